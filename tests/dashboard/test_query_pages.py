"""Pages walked from the store's orders agree with sorting everything.

``list_page`` answers every sort by walking an order the store keeps (names, or an
ordering per column), or, for a selective filter, by sorting the few candidates; each
must give exactly what a full sort gives, page after page, also when objects come and go
or change their sort value between pages.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest

from dashboard.core.auth.redactor import shown_columns
from dashboard.core.listing.query import ListQuery, PageRequest, list_page, parse_list_query
from informers import Informer
from informers.kinds import KindInfo, PrinterColumn
from informers.redaction import REDACTED
from informers.status import STATE_ORDER, State, Status
from informers.store import Entry, Store

COLUMNS = (PrinterColumn("Size", ".spec.size", "integer"), PrinterColumn("Tier", ".spec.tier"))
KIND = KindInfo("q.crscope.dev", "v1", "Thing", "things", namespaced=True, columns=COLUMNS)
STATES = [State.CURRENT, State.CURRENT, State.IN_PROGRESS, State.FAILED]


@dataclass
class FakeInformer:
    """What list_page reads of an informer: its kind and its store."""

    kind: KindInfo
    store: Store


def fake_informer(kind: KindInfo, store: Store) -> Informer:
    """A FakeInformer typed as the Informer that list_page and the page memo take.

    They read only ``kind`` and ``store``; a real Informer would need a cluster to build.
    """
    return cast(Informer, FakeInformer(kind, store))


def thing(rng: random.Random, index: int) -> Entry:
    ns, name = f"ns-{rng.randrange(5)}", f"{rng.choice('abcxyz')}-{index:04d}"
    labels = {"team": rng.choice(["red", "blue"]), "tier": rng.choice(["web", "db", "job"])}
    meta = {"name": name, "namespace": ns, "labels": labels, "resourceVersion": str(index)}
    # few distinct values, so sorts by them tie often and fall back to the key
    meta["creationTimestamp"] = f"2026-12-0{rng.randrange(1, 4)}T10:00:00Z"
    spec: dict[str, object] = {"size": rng.choice([1, 2, 10, None])}
    if rng.random() < 0.8:  # some objects lack the column: they sort last
        spec["tier"] = labels["tier"]
    since = time.time() - rng.choice([10, 10_000])  # some old enough to be stuck
    obj = {"metadata": meta, "spec": spec}
    return Entry(f"{ns}/{name}", obj, Status(rng.choice(STATES), "", ""), since)


def ascending(entries: list[Entry], column: str) -> list[Entry]:
    """The order a sort by ``column`` means, written out independently of list_page:
    ties and missing values by key, "age" youngest first, "state" worst first."""
    by_key = sorted(entries, key=lambda e: e.key)
    if column == "name":
        return sorted(by_key, key=lambda e: e.name)
    if column == "namespace":
        return sorted(by_key, key=lambda e: e.namespace or "")
    if column == "age":  # newest first; a stable sort keeps ties by key
        return sorted(by_key, key=lambda e: e.metadata["creationTimestamp"], reverse=True)
    if column == "state":
        return sorted(by_key, key=lambda e: STATE_ORDER[e.status.state], reverse=True)
    spec_key = {"Size": "size", "Tier": "tier"}[column]
    present = [e for e in by_key if e.obj["spec"].get(spec_key) is not None]
    missing = [e for e in by_key if e.obj["spec"].get(spec_key) is None]
    return sorted(present, key=lambda e: e.obj["spec"][spec_key]) + missing


def filled(seed: int, count: int) -> tuple[random.Random, Store, Informer]:
    """A store of ``count`` things drawn from ``seed``, the rest of that draw for the test's
    own writes, and the informer list_page reads the store through."""
    rng = random.Random(seed)
    store = Store()
    for i in range(count):
        store.put(thing(rng, i))
    return rng, store, fake_informer(KIND, store)


def brute_force(store: Store, query: ListQuery, visible: set[str] | None) -> list[str]:
    kept = []
    for e in store.list():
        if query.namespace is not None and e.namespace != query.namespace:
            continue
        if visible is not None and e.namespace not in visible:
            continue
        if query.states and e.status.state not in query.states:
            continue
        if query.selector is not None and not query.selector.matches(e.labels):
            continue
        if query.search and query.search.lower() not in e.name.lower():
            continue
        if query.stuck is not None and e.stuck(time.time(), 600) != query.stuck:
            continue
        kept.append(e)
    keys = [e.key for e in ascending(kept, query.sort.lstrip("-"))]
    return keys[::-1] if query.sort.startswith("-") else keys


def walk(informer: Informer, query: ListQuery, visible: set[str] | None) -> list[str]:
    seen: list[str] = []
    token = None
    while True:
        request = PageRequest(query, namespaces=visible, stuck_after=600, continue_token=token)
        page = list_page(informer, request)
        seen += [row.entry.key for row in page.rows]
        assert page.total == len(brute_force(informer.store, query, visible))
        token = page.continue_token
        if token is None:
            return seen


def page_through(
    informer: Informer, query: ListQuery, *, between: Callable[[int], None]
) -> list[str]:
    """Every page's keys in order, calling ``between(step)`` after each page but the last."""
    served: list[str] = []
    token = None
    for step in range(1000):
        request = PageRequest(query, namespaces=None, stuck_after=600, continue_token=token)
        page = list_page(informer, request)
        served += [row.entry.key for row in page.rows]
        token = page.continue_token
        if token is None:
            break
        between(step)
    return served


QUERIES = [
    {},
    {"sort": "-name"},
    {"namespace": "ns-2"},
    {"state": "InProgress"},
    {"labelSelector": "team=red"},
    {"labelSelector": "team=red,tier!=db", "sort": "-name"},
    {"labelSelector": "tier in (web,job)"},
    {"search": "X-00"},
    {"stuck": "true"},
    {"state": "Failed", "labelSelector": "team=blue,tier=db", "namespace": "ns-1"},  # sorted path
]
SORTS = ["age", "-age", "state", "-state", "namespace", "Size", "-Size", "Tier", "-Tier"]
SORTED_QUERIES = [
    *({"sort": sort} for sort in SORTS),
    {"sort": "Size", "labelSelector": "team=red"},
    {"sort": "-age", "search": "X-00"},
    {"sort": "state", "stuck": "true", "namespace": "ns-2"},
    {"sort": "-Tier", "labelSelector": "tier in (web,job)"},
    {"sort": "Size", "state": "Failed", "labelSelector": "team=blue,tier=db"},  # sorted path
]


@pytest.mark.parametrize(
    "params", QUERIES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "all"
)
@pytest.mark.parametrize("visible", [None, {"ns-0", "ns-3"}], ids=["all-ns", "two-ns"])
def test_pages_match_a_full_sort(params: dict[str, str], visible: set[str] | None) -> None:
    _, store, informer = filled(11, 1200)
    query = parse_list_query(
        {k: [v] for k, v in {**params, "limit": "37"}.items()}, columns=["Size", "Tier"]
    )
    assert walk(informer, query, visible) == brute_force(store, query, visible)


@pytest.mark.parametrize(
    "params", SORTED_QUERIES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items())
)
@pytest.mark.parametrize("visible", [None, {"ns-0", "ns-3"}], ids=["all-ns", "two-ns"])
def test_every_sort_pages_like_a_full_sort(
    params: dict[str, str], visible: set[str] | None
) -> None:
    """Page 2 onwards of a sort by age, state or a printer column, twice: the first walk
    builds the store's ordering, the second reads it as writes have kept it."""
    rng, store, informer = filled(17, 1200)
    query = parse_list_query(
        {k: [v] for k, v in {**params, "limit": "37"}.items()}, columns=["Size", "Tier"]
    )
    assert walk(informer, query, visible) == brute_force(store, query, visible)
    for _ in range(300):  # updates that move objects within the order, adds, deletes
        store.put(thing(rng, rng.randrange(1500)))
        store.delete(rng.choice(store.keys()))
    assert walk(informer, query, visible) == brute_force(store, query, visible)


@pytest.mark.parametrize("sort", ["Size", "-age", "state"])
def test_objects_changing_between_pages_are_neither_repeated_nor_skipped(sort: str) -> None:
    """Keyset paging by a sort value that writes change: an object that kept its value
    is served exactly once. One whose value moved past the cursor may be served again,
    at its new place, as with any keyset pager (the apiserver's included)."""
    rng, store, informer = filled(23, 600)
    query = parse_list_query({"sort": [sort], "limit": ["40"]}, columns=["Size", "Tier"])
    unchanged = set(store.keys())

    def churn(_: int) -> None:
        for _ in range(15):
            moved = thing(rng, rng.randrange(800))  # may reuse a live key with new values
            unchanged.discard(moved.key)
            store.put(moved)
            victim = rng.choice(store.keys())
            store.delete(victim)
            unchanged.discard(victim)

    served = page_through(informer, query, between=churn)
    twice = {key for key in served if served.count(key) > 1}
    assert not twice & unchanged
    assert unchanged <= set(served)


def test_a_sorted_page_after_a_change_evaluates_only_what_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sort by a printer column used to evaluate the column for every object on every
    request (0.8-0.9 s a page at 20k objects). Now the store keeps the order: after one
    change, the next page evaluates the changed object and the rows it shows."""
    import dashboard.core.listing.query as query_module

    rng, store, informer = filled(29, 2000)
    query = parse_list_query({"sort": ["-Size"], "limit": ["25"]}, columns=["Size", "Tier"])
    request = PageRequest(query, namespaces=None, stuck_after=600)
    first = list_page(informer, request)
    calls: list[int] = []
    evaluate = shown_columns

    def counted(obj: Any, columns: Any) -> dict[str, Any]:
        calls.append(1)
        return evaluate(obj, columns)

    monkeypatch.setattr(query_module, "shown_columns", counted)
    changed = thing(rng, 5000)
    store.put(changed)
    second = list_page(informer, request)
    assert len(calls) <= 1 + 25  # the new object's sort key, then the page's rows
    assert second.total == first.total + 1
    assert [r.entry.key for r in second.rows] == brute_force(store, query, None)[:25]


@pytest.mark.parametrize(
    "params",
    [p for p in QUERIES if "stuck" not in p],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "all",
)
def test_the_per_object_predicate_matches_the_page(params: dict[str, str]) -> None:
    """``ListQuery.shows`` (what the live list asks of each change) admits exactly what
    the page lists: one rule, read from indexes by the page and per object by the feed."""
    rng = random.Random(5)
    store = Store()
    for i in range(600):
        store.put(thing(rng, i))
    query = parse_list_query({k: [v] for k, v in params.items()})
    shown = sorted((e.name, e.key) for e in store.list() if query.shows(e))
    expected = brute_force(store, query, None)
    assert [k for _, k in sorted(shown, reverse=query.sort.startswith("-"))] == expected


def test_objects_added_and_deleted_between_pages_are_neither_repeated_nor_skipped() -> None:
    rng, store, informer = filled(3, 500)
    query = parse_list_query({"limit": ["50"]})
    throughout = set(store.keys())

    def churn(step: int) -> None:
        for i in range(20):  # new objects anywhere in the order, some deletions
            store.put(thing(rng, 1000 + step * 20 + i))
            victim = rng.choice(store.keys())
            store.delete(victim)
            throughout.discard(victim)

    served = page_through(informer, query, between=churn)
    assert len(served) == len(set(served))  # nothing twice
    assert throughout <= set(served)  # nothing that existed throughout was skipped
    assert served == sorted(served, key=lambda k: (k.rpartition("/")[2], k))


def test_a_printer_column_that_reads_a_secret_shows_redacted() -> None:
    columns = (
        PrinterColumn("Size", ".spec.size", "integer"),
        PrinterColumn("Password", ".spec.password"),
    )
    kind = KindInfo("q.crscope.dev", "v1", "Thing", "things", namespaced=True, columns=columns)
    store = Store()
    for i, password in enumerate(["hunter2", "swordfish"]):
        meta = {"name": f"t{i}", "namespace": "ns", "resourceVersion": str(i)}
        spec = {"size": i + 1, "password": password}
        store.put(
            Entry(f"ns/t{i}", {"metadata": meta, "spec": spec}, Status(State.CURRENT, "", ""), 0)
        )
    for sort in ("name", "Password", "-Password"):
        page = list_page(
            fake_informer(kind, store),
            PageRequest(
                parse_list_query({"sort": [sort]}, columns=["Size", "Password"]),
                namespaces=None,
                stuck_after=600,
            ),
        )
        shown = sorted(page.rows, key=lambda r: r.columns["Size"])
        assert [r.columns for r in shown] == [
            {"Size": 1, "Password": REDACTED},
            {"Size": 2, "Password": REDACTED},
        ]


@pytest.mark.parametrize("sort", ["name", "-name", "Size", "-age"])
def test_a_token_from_either_path_resumes_on_the_other(
    sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two pages a filter's candidates can grow or shrink past the point where
    sorting them beats walking the order, so the page after a walked page may be a sorted
    one and the other way round: each must resume the other's token exactly."""
    import dashboard.core.listing.query as query_module

    choices = iter([True, False] * 50)
    monkeypatch.setattr(query_module, "_walk_is_cheaper", lambda *_: next(choices))
    _, store, informer = filled(31, 400)
    query = parse_list_query(
        {"sort": [sort], "labelSelector": ["team=red"], "limit": ["23"]},
        columns=["Size", "Tier"],
    )
    assert walk(informer, query, None) == brute_force(store, query, None)


def test_a_sort_the_store_keeps_no_order_for_still_pages_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the store refuses a new order (it keeps as many as it may, all in use), the
    page sorts its matches instead, with the same tokens."""
    rng = random.Random(37)
    store = Store()
    for i in range(300):
        store.put(thing(rng, i))
    monkeypatch.setattr(store, "ordered", lambda *_: None)
    informer = fake_informer(KIND, store)
    query = parse_list_query({"sort": ["-Size"], "limit": ["23"]}, columns=["Size", "Tier"])
    assert walk(informer, query, None) == brute_force(store, query, None)
