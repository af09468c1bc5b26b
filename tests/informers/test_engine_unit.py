"""The engine in-process: CRDs, Events and each kind read from fake collections.

Why: the engine wires the kind registry, the informers, the Events reflectors, the hub
and readiness together. ``Engine(source=...)`` lets a test give every collection path a
``FakeListerWatcher``, so that wiring is checked in about a second; the convergence
tests (``test_engine_convergence``) check the same against the real apiserver.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from informers import Engine, EngineSettings
from informers.changes import Change, EventRecord
from informers.registry import CRD_PATH
from informers.testing import (
    FakeListerWatcher,
    Watch,
    added,
    crd,
    deleted,
    gadget,
    kube_event,
    page,
    unused_client,
)
from tests.informers.kit import wait_until

GADGETS_PATH = "/apis/t.crscope.test/v1/gadgets"
EVENTS_PATH = "/api/v1/events"
BOUND = 30.0  # generous: a loaded 2-core machine


class Cluster:
    """One fake collection per path, each a paged list followed by a quiet watch."""

    def __init__(self, **collections: list[dict[str, Any]]) -> None:
        self.sources: dict[str, FakeListerWatcher] = {}
        for path, items in (
            (CRD_PATH, collections.get("crds", [])),
            (GADGETS_PATH, collections.get("gadgets", [])),
            (EVENTS_PATH, collections.get("events", [])),
        ):
            self.sources[path] = FakeListerWatcher(
                pages=[page(items, rv=10)], watches=[Watch(end="hang")]
            )

    def __call__(self, path: str) -> FakeListerWatcher:
        return self.sources[path]

    def push(self, path: str, event: dict[str, Any]) -> None:
        source = self.sources[path]
        wait_until(lambda: source.streams, timeout=BOUND, message=f"{path} watched")
        source.push(event)


@pytest.fixture
def cluster() -> Cluster:
    return Cluster(
        crds=[crd("gadgets"), crd("widgets", group="other.test")],
        gadgets=[gadget("a", 5), gadget("b", 6)],
        events=[kube_event("e1")],
    )


@pytest.fixture
def engine(cluster: Cluster) -> Iterator[Engine]:
    settings = EngineSettings(include_groups=("t.crscope.test",), list_mode="paged")
    engine = Engine(unused_client(), settings, source=cluster)
    yield engine
    engine.stop(timeout=BOUND)


def test_the_engine_watches_selected_kinds_and_becomes_ready(
    engine: Engine, cluster: Cluster
) -> None:
    changes: list[Change] = []
    engine.add_change_listener(changes.append)
    assert not engine.readiness().ready
    engine.start()
    assert engine.wait_synced(BOUND), engine.readiness()
    assert [k.key for k in engine.kinds()] == ["t.crscope.test/gadgets"]
    informer = engine.informer("t.crscope.test/gadgets")
    assert informer is not None and len(informer.store) == 2
    assert sorted(c.key for c in changes) == ["default/a", "default/b"]
    assert engine.metrics()["kinds"]["t.crscope.test/gadgets"]["objects"] == 2


def test_watched_changes_reach_listeners_and_hub_subscribers(
    engine: Engine, cluster: Cluster
) -> None:
    changes: list[Change] = []
    engine.add_change_listener(changes.append)
    subscription = engine.hub.subscribe(lambda c: c.key == "default/c")
    engine.start()
    assert engine.wait_synced(BOUND)
    cluster.push(GADGETS_PATH, added(gadget("c", 11)))
    wait_until(lambda: any(c.key == "default/c" for c in changes), timeout=BOUND, message="c")
    assert [c.key for c in subscription.drain()[0]] == ["default/c"]


def test_events_about_watched_kinds_are_recorded_once_the_kinds_are_known(
    engine: Engine, cluster: Cluster
) -> None:
    records: list[EventRecord] = []
    engine.add_event_listener(records.append)
    engine.start()
    wait_until(lambda: records, timeout=BOUND, message="listed Event recorded")
    assert [(r.uid, r.kind) for r in records] == [("e1", "t.crscope.test/gadgets")]


def test_a_deleted_crd_stops_its_kind_and_tells_kind_listeners(
    engine: Engine, cluster: Cluster
) -> None:
    kinds_changed: list[None] = []
    engine.add_kinds_listener(lambda: kinds_changed.append(None))
    engine.start()
    assert engine.wait_synced(BOUND)
    seen = len(kinds_changed)
    cluster.push(CRD_PATH, deleted(crd("gadgets", rv=12)))
    wait_until(lambda: not engine.kinds(), timeout=BOUND, message="kind stopped")
    assert engine.informer("t.crscope.test/gadgets") is None
    wait_until(lambda: len(kinds_changed) > seen, timeout=BOUND, message="kinds listener")
    assert cluster.sources[GADGETS_PATH].streams[-1].closed, "its watch is closed"
