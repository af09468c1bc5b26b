"""Writing a revision the database already holds is a no-op, never a lost batch.

Why: two replicas write the same changes, and a batch is retried whole after a failure
part-way; either way a batch meets rows that are already stored. Inserts are idempotent
on (uid, resourceVersion, type), so the known row is skipped and the rest of the batch
is kept. The first-sighting reconciliation after a restart skips known rows before they
are written; this is the layer beneath it, for every other change.
"""

from __future__ import annotations

import time

import pytest

from dashboard.history.models import Revision
from dashboard.history.writer import HistoryWriter
from informers import Change, ChangeType, State, Status
from informers.store import Entry

pytestmark = pytest.mark.django_db(transaction=True)


def _change(rv: int, kind: ChangeType = ChangeType.MODIFIED) -> Change:
    obj = {
        "apiVersion": "t.crscope.test/v1",
        "kind": "Part",
        "metadata": {"name": "p", "namespace": "ns", "uid": "uid-p", "resourceVersion": str(rv)},
        "spec": {"size": rv},
    }
    entry = Entry(key="ns/p", obj=obj, status=Status(State.CURRENT, "", ""), since=time.time())
    return Change(
        kind="t.crscope.test/parts",
        type=kind,
        key="ns/p",
        old=entry,
        new=entry,
        observed=time.time(),
        managers=("tests",),
        changed_paths=("/spec/size",),
    )


def test_a_batch_holding_a_stored_revision_keeps_the_rest() -> None:
    writer = HistoryWriter()
    writer.stop()  # not started: _write runs here, and a retry would not wait
    writer._write([_change(7)])
    writer._write([_change(7), _change(8)])  # a replica's copy, or a retried batch
    stored = list(Revision.objects.filter(uid="uid-p").values_list("resource_version", "type"))
    assert sorted(stored) == [("7", "MODIFIED"), ("8", "MODIFIED")]
    assert writer.errors == 0
