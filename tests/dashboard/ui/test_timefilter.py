"""The timeline's narrowing and folding, case by case (the journey covers the pages)."""

from __future__ import annotations

import pytest

from dashboard.core.listing.query import QueryError
from dashboard.history.models import Revision
from dashboard.ui.pages.detail.timefilter import TimelineFilter
from dashboard.ui.pages.detail.timeline import Item, collapse


def test_parameters_round_trip_and_bad_values_name_their_parameter() -> None:
    flt = TimelineFilter.from_params(
        {"window": ["1h"], "changes": ["status"], "manager": ["ctrl"], "collapse": ["0"]}
    )
    assert TimelineFilter.from_params({k: [v] for k, v in flt.params().items()}) == flt
    assert TimelineFilter.from_params({}) == TimelineFilter() and not TimelineFilter().narrows
    for params, name in (({"window": ["1y"]}, "window"), ({"changes": ["all"]}, "changes")):
        with pytest.raises(QueryError) as caught:
            TimelineFilter.from_params(params)
        assert caught.value.param == name


def test_parts_follow_the_changed_paths_and_lifecycle_rows_stay() -> None:
    spec = TimelineFilter(part="spec")
    assert spec.keeps("MODIFIED", ["/spec/size"], ["a"])
    assert not spec.keeps("MODIFIED", ["/status/phase", "/specs"], ["a"])
    assert spec.keeps("ADDED", [], []) and spec.keeps("DELETED", [], [])
    assert not spec.shows_events and TimelineFilter(part="events").shows_events
    assert not TimelineFilter(part="events").shows_revisions
    only = TimelineFilter(manager="ctrl")
    assert only.keeps("MODIFIED", [], ["ctrl", "x"]) and not only.keeps("ADDED", [], ["x"])


def _item(rid: int, paths: list[str], state: str = "Current", type_: str = "MODIFIED") -> Item:
    rev = Revision(id=rid, type=type_, changed_paths=paths, state=state, observed=float(rid))
    return Item(at=float(rid), dom_id=f"rev-{rid}", revision=rev, previous_id=rid - 1)


def test_only_adjacent_repetitive_writes_fold() -> None:
    beat = ["/status/replicas"]
    items = [
        _item(9, beat),
        _item(8, beat),
        _item(7, beat),
        _item(6, beat, state="Failed"),  # another state: a row of its own
        _item(5, ["/spec/size"]),
        _item(4, []),  # noise only (a heartbeat timestamp)
        _item(3, []),
        _item(2, ["/status/conditions/0/message"]),  # new text is news
        _item(1, ["/status/conditions/0/message"]),
        _item(0, [], type_="ADDED"),
    ]
    folded = collapse(items)
    assert [(i.dom_id, i.repeats) for i in folded] == [
        ("rev-9", 3),
        ("rev-6", 1),
        ("rev-5", 1),
        ("rev-4", 2),
        ("rev-2", 1),
        ("rev-1", 1),
        ("rev-0", 1),
    ]
    assert folded[0].previous_id == 6 and folded[0].first_at == 7.0  # diff spans the run


def test_writes_a_narrowed_view_shows_apart_do_not_fold() -> None:
    """In a view narrowed to one manager, a hidden change between two heartbeats must not
    end up inside a folded row's diff."""
    first, second = _item(9, ["/status/replicas"]), _item(7, ["/status/replicas"])
    first = Item(at=9.0, dom_id="rev-9", revision=first.revision, previous_id=8)  # 8 hidden
    assert [i.repeats for i in collapse([first, second])] == [1, 1]
