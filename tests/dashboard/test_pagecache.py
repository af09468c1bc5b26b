"""The page memo never serves a page computed before a write to the store.

Why this test: the memo used to learn of changes from an engine change listener, so a
reader that saw a change before that listener ran (another listener, the live feed's
batch) could be handed the old page. It now keys on the store's write counter, bumped
inside the write; no listener is attached here at all.
"""

from __future__ import annotations

import time

from dashboard.core.listing import pagecache
from dashboard.core.listing.query import PageRequest, parse_list_query
from informers import Informer
from informers.status import State, Status
from informers.store import Entry, Store
from tests.dashboard.test_query_pages import KIND, fake_informer


def _entry(name: str, state: State = State.CURRENT) -> Entry:
    meta = {"name": name, "namespace": "ns", "resourceVersion": "1"}
    return Entry(f"ns/{name}", {"metadata": meta}, Status(state, "", ""), time.time())


def _names(informer: Informer, request: PageRequest) -> list[str]:
    return [row.entry.name for row in pagecache.page(informer, request).rows]


def test_a_write_is_seen_by_the_next_page_without_any_listener() -> None:
    informer = fake_informer(KIND, Store())
    informer.store.put(_entry("a"))
    request = PageRequest(parse_list_query({"limit": ["10"]}), namespaces=None, stuck_after=600)
    assert _names(informer, request) == ["a"]
    informer.store.put(_entry("b"))
    assert _names(informer, request) == ["a", "b"]
    informer.store.delete("ns/a")
    assert _names(informer, request) == ["b"]
    failed = PageRequest(
        parse_list_query({"limit": ["10"], "state": ["Failed"]}), namespaces=None, stuck_after=600
    )
    assert _names(informer, failed) == []
    old = informer.store.get("ns/b")
    assert old is not None
    informer.store.swap(old, _entry("b", State.FAILED))  # a re-evaluation
    assert _names(informer, failed) == ["b"]


def test_identical_requests_share_one_computation() -> None:
    informer = fake_informer(KIND, Store())
    informer.store.put(_entry("a"))
    request = PageRequest(parse_list_query({"limit": ["10"]}), namespaces=None, stuck_after=600)
    for _ in range(5):  # the memo also turns over each second (stuck flags follow the clock)
        second = int(time.monotonic())
        first = pagecache.page(informer, request)
        again = pagecache.page(informer, request)
        if int(time.monotonic()) == second:
            assert again is first
            return
    raise AssertionError("five attempts each crossed a second boundary")
