"""Which stored Events a viewer is shown: the list rule, applied in the query.

Why beside the journey: the journey proves the rule end to end for one limited user; this
pins its edges without a cluster: a kind no longer watched, a namespace whose objects are
all gone (its Events outlive them), and that totals and namespace choices count only
what may be seen. The reviewer is replaced by a table of grants; the rule under test is
``eventrows`` + ``access``, unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from dashboard.core.auth import rbac
from dashboard.core.auth.viewer import Viewer
from dashboard.history.models import EventRow
from dashboard.ui.pages.events import eventrows
from dashboard.ui.pages.events.filters import EventFilters
from informers import KindInfo

pytestmark = pytest.mark.django_db

THINGS = KindInfo(group="vis.example", version="v1", kind="Thing", plural="things", namespaced=True)
GADGETS = KindInfo(
    group="vis.example", version="v1", kind="Gadget", plural="gadgets", namespaced=True
)
VIEWER = Viewer(username="carol", uid="uid-carol")
#: (plural, namespace) carol may list; "" would be cluster-wide.
GRANTS = {("things", "gone-ns")}


@dataclass
class _Informer:
    kind: KindInfo


class _Engine:
    """Only what eventrows asks of an engine: the watched kinds (no objects at all)."""

    def informers(self) -> list[_Informer]:
        return [_Informer(THINGS), _Informer(GADGETS)]

    def informer(self, key: str) -> None:
        return None


def _allowed(viewer: Viewer, *, verb: str, kind: KindInfo, namespace: str) -> bool:
    return verb == "list" and (kind.plural, namespace) in GRANTS


def _row(kind: str, namespace: str, name: str, reason: str) -> EventRow:
    now = time.time()
    return EventRow.objects.create(
        uid=f"{kind}-{namespace}-{name}-{reason}",
        involved_uid=f"uid-{name}",
        kind=kind,
        namespace=namespace,
        name=name,
        type="Warning",
        reason=reason,
        message="m",
        first_seen=now,
        last_seen=now,
    )


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(rbac.reviewer, "allowed", _allowed)
    _row("vis.example/things", "gone-ns", "deleted-thing", "Seen")
    _row("vis.example/things", "other-ns", "secret-thing", "Hidden")
    _row("vis.example/gadgets", "gone-ns", "secret-gadget", "Hidden")
    _row("vis.example/unwatched", "gone-ns", "orphan", "Hidden")
    return _Engine()


def test_only_events_of_kinds_and_namespaces_the_viewer_may_list(stored: Any) -> None:
    result = eventrows.page(stored, VIEWER, EventFilters())
    assert [i.row.name for i in result.items] == ["deleted-thing"]
    assert result.total == 1
    assert eventrows.namespaces(eventrows.visible_kinds(stored, VIEWER)) == ["gone-ns"]


def test_a_filter_matching_only_hidden_events_matches_nothing(stored: Any) -> None:
    for filters in (
        EventFilters(reason="Hidden"),
        EventFilters(namespace="other-ns"),
        EventFilters(kind="vis.example/gadgets"),
        EventFilters(kind="vis.example/unwatched"),
    ):
        result = eventrows.page(stored, VIEWER, filters)
        assert (result.items, result.total) == ([], 0), filters


def test_events_outlive_their_objects_for_who_may_list_there(stored: Any) -> None:
    # No object of either kind is left anywhere: the namespaces come from the Events.
    visible = eventrows.visible_kinds(stored, VIEWER)
    assert set(visible) == {"vis.example/things"}
    assert visible["vis.example/things"][1] == {"gone-ns"}
