"""The timeline's pages: every revision once, each diffable with the one before it.

Why at this level as well as in the journey: the keyset bounds, the "previous" of each
page's oldest row, the counts and the placement of Events are arithmetic on stored rows,
and a table of rows shows an off-by-one that a 150-revision browser run would only hint at.
"""

from __future__ import annotations

import json

import pytest

from dashboard.core.listing.query import QueryError
from dashboard.history.models import EventRow, Revision
from dashboard.ui.pages.detail import timeline
from dashboard.ui.pages.detail.timefilter import TimelineFilter

pytestmark = pytest.mark.django_db

KIND = "demo.crscope.dev/widgets"
REVISIONS = 7


def _revision(name: str, rv: int, *, uid: str = "u1") -> Revision:
    return Revision.objects.create(
        kind=KIND,
        uid=uid,
        namespace="ns",
        name=name,
        resource_version=str(rv),
        rv_int=rv,
        type="ADDED" if rv == 1 else "MODIFIED",
        observed=1000.0 + rv,  # one second per revision
        body=json.dumps({"metadata": {"name": name, "uid": uid}}),
    )


def _event(uid: str, at: float) -> None:
    EventRow.objects.create(
        uid=uid,
        involved_uid="u1",
        kind="Widget",
        namespace="ns",
        name="w",
        type="Normal",
        reason="Tick",
        message=uid,
        first_seen=at,
        last_seen=at,
    )


def _pages(name: str, limit: int) -> list[timeline.TimelinePage]:
    """Every page, unfolded: these revisions change no path, which the page would fold."""
    flt = TimelineFilter(collapse=False)
    pages = [timeline.page(KIND, "ns", name, uid="u1", limit=limit, flt=flt)]
    while pages[-1].continue_token:
        token = pages[-1].continue_token
        pages.append(timeline.page(KIND, "ns", name, uid="u1", token=token, limit=limit, flt=flt))
    return pages


def test_pages_cover_every_revision_once_each_with_its_previous() -> None:
    ids = [_revision("w", rv).id for rv in range(1, REVISIONS + 1)]
    _revision("other", 1, uid="u9")  # another object's history is not this one's
    pages = _pages("w", limit=3)
    assert len(pages) == 3
    shown = [i for p in pages for i in p.items if i.revision is not None]
    assert [i.revision.id for i in shown if i.revision] == ids[::-1]
    # Each row's "previous" is the row below it, across page boundaries too.
    assert [i.previous_id for i in shown] == [*ids[::-1][1:], None]
    assert [p.total for p in pages] == [REVISIONS] * 3
    assert [p.older for p in pages] == [4, 1, 0]


def test_events_land_on_the_page_whose_time_span_holds_them() -> None:
    for rv in range(1, REVISIONS + 1):
        _revision("w", rv)
    # Revisions are observed at 1001..1007; pages of 3 span [1005, inf), [1002, 1005), (-inf, 1002).
    for uid, at in (("late", 2000.0), ("edge", 1005.0), ("mid", 1003.5), ("early", 10.0)):
        _event(uid, at)
    pages = _pages("w", limit=3)
    events = [[i.event.message for i in p.items if i.event is not None] for p in pages]
    assert events == [["late", "edge"], ["mid"], ["early"]]


def test_a_token_for_another_object_or_a_forged_one_is_refused() -> None:
    for rv in range(1, 5):
        _revision("w", rv)
        _revision("other", rv, uid="u2")
    token = timeline.page(KIND, "ns", "w", limit=2).continue_token
    assert token
    with pytest.raises(QueryError):
        timeline.page(KIND, "ns", "other", token=token, limit=2)
    with pytest.raises(QueryError):
        timeline.page(KIND, "ns", "w", token=token + "x", limit=2)
    with pytest.raises(QueryError):
        timeline.page(KIND, "ns", "w", token="<not a token>", limit=2)


def test_an_object_without_history_has_one_empty_page() -> None:
    only = timeline.page(KIND, "ns", "nothing-yet")
    assert (only.items, only.total, only.older, only.continue_token) == ([], 0, 0, None)
