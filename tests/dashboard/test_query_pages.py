"""Name-ordered pages from the store's name index agree with sorting everything.

``list_page`` answers name sorts by walking the store's name order (or, for a selective
filter, by sorting the few candidates); both must give exactly what a full sort gives,
page after page, also when objects come and go between pages.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import cast

import pytest

from dashboard.core.listing.query import ListQuery, PageRequest, list_page, parse_list_query
from informers import Informer
from informers.kinds import KindInfo, PrinterColumn
from informers.redaction import REDACTED
from informers.status import State, Status
from informers.store import Entry, Store

KIND = KindInfo("q.crscope.dev", "v1", "Thing", "things", namespaced=True)
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
    since = time.time() - rng.choice([10, 10_000])  # some old enough to be stuck
    return Entry(f"{ns}/{name}", {"metadata": meta}, Status(rng.choice(STATES), "", ""), since)


def brute_force(store: Store, query: ListQuery, visible: set[str] | None) -> list[str]:
    keys = []
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
        keys.append((e.name, e.key))
    return [k for _, k in sorted(keys, reverse=query.sort.startswith("-"))]


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


@pytest.mark.parametrize(
    "params", QUERIES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "all"
)
@pytest.mark.parametrize("visible", [None, {"ns-0", "ns-3"}], ids=["all-ns", "two-ns"])
def test_pages_match_a_full_sort(params: dict[str, str], visible: set[str] | None) -> None:
    rng = random.Random(11)
    store = Store()
    for i in range(1200):
        store.put(thing(rng, i))
    informer = fake_informer(KIND, store)
    query = parse_list_query({k: [v] for k, v in {**params, "limit": "37"}.items()})
    assert walk(informer, query, visible) == brute_force(store, query, visible)


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
    rng = random.Random(3)
    store = Store()
    for i in range(500):
        store.put(thing(rng, i))
    informer = fake_informer(KIND, store)
    query = parse_list_query({"limit": ["50"]})
    throughout = set(store.keys())
    served: list[str] = []
    token = None
    for step in range(1000):
        request = PageRequest(query, namespaces=None, stuck_after=600, continue_token=token)
        page = list_page(informer, request)
        served += [row.entry.key for row in page.rows]
        token = page.continue_token
        if token is None:
            break
        for _ in range(20):  # churn: new objects anywhere in the order, some deletions
            store.put(thing(rng, 1000 + step * 20 + _))
            victim = rng.choice(store.keys())
            store.delete(victim)
            throughout.discard(victim)
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
