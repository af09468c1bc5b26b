"""The writer's reconciliation of a first sighting with the last recorded revision."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from dashboard.history.models import Revision
from dashboard.history.writer import revision_row, sighting_row
from informers import Change, ChangeType, Entry, compute_status
from informers.managedfields import summarize

CREATOR = {"manager": "creator", "operation": "Update", "time": "2024-05-01T10:00:00Z"}
EDITOR = {"manager": "editor", "operation": "Update", "time": "2024-05-01T11:00:00Z"}


def widget(rv: str, size: int) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "ns", "uid": "u-1", "resourceVersion": rv},
        "spec": {"size": size},
    }


def sighting(rv: str, size: int, managed: list[dict[str, Any]]) -> Change:
    """The engine's first sighting after a start: ADDED, initial, every manager named."""
    obj = widget(rv, size)
    entry = Entry(key="ns/w", obj=obj, status=compute_status(obj), since=0.0)
    summary = summarize(managed)
    return Change(
        kind="example.com/widgets",
        type=ChangeType.ADDED,
        key="ns/w",
        old=None,
        new=entry,
        observed=1.0,
        managers=tuple(sorted({m for m, _, _ in summary})),
        managed=summary,
        initial=True,
    )


def recorded(rv: str, size: int, managed: list[dict[str, Any]] | None, **fields: Any) -> Revision:
    row = revision_row(sighting(rv, size, managed or []))
    if managed is None:
        row.managed_summary = None  # a row written before summaries were kept
    for name, value in fields.items():
        setattr(row, name, value)
    return row


def test_unrecorded_object_is_added() -> None:
    row = sighting_row(sighting("20", 2, [CREATOR]), None)
    assert row is not None
    assert (row.type, row.managers, row.changed_paths) == ("ADDED", ["creator"], [])


@pytest.mark.parametrize("recorded_rv", ["20", "25"])
def test_recorded_state_or_newer_writes_nothing(recorded_rv: str) -> None:
    last = recorded(recorded_rv, 2, [CREATOR, EDITOR], type="MODIFIED")
    assert sighting_row(sighting("20", 2, [CREATOR, EDITOR]), last) is None


def test_change_while_down_is_modified_by_its_writer() -> None:
    last = recorded("10", 1, [CREATOR])
    row = sighting_row(sighting("20", 2, [CREATOR, EDITOR]), last)
    assert row is not None
    assert (row.type, row.managers, row.changed_paths) == ("MODIFIED", ["editor"], ["/spec/size"])
    assert row.resource_version == "20"


def test_legacy_record_without_summary_names_the_last_writer() -> None:
    row = sighting_row(sighting("20", 2, [CREATOR, EDITOR]), recorded("10", 1, None))
    assert row is not None
    assert (row.type, row.managers) == ("MODIFIED", ["editor"])


def test_after_a_tombstone_the_object_is_added_again() -> None:
    last = recorded("10", 1, [CREATOR], type="DELETED", tombstone=True)
    row = sighting_row(sighting("20", 2, [CREATOR]), last)
    assert row is not None
    assert row.type == "ADDED"


def test_a_body_stored_before_redaction_is_compared_redacted() -> None:
    """Rows written before history was stored redacted hold secrets in plain text; the
    first restart after the upgrade must not report those secrets as changed."""
    last = recorded("10", 1, [CREATOR])
    plain = orjson.loads(last.body)
    plain["spec"]["password"] = "hunter2"
    last.body = orjson.dumps(plain).decode()
    change = sighting("20", 2, [CREATOR, EDITOR])
    assert change.new is not None
    change.new.obj["spec"]["password"] = "hunter2"
    row = sighting_row(change, last)
    assert row is not None
    assert row.changed_paths == ["/spec/size"]
    assert "hunter2" not in row.body
