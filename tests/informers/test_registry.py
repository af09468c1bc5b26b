"""The kind registry: CRD events become start/stop calls for the kinds to watch.

Why in-process: the registry is a ReflectorSink; driving it with CRD dicts pins which
CRD changes start, restart or stop an informer without creating CRDs for real (the
engine convergence tests do that).
"""

from __future__ import annotations

import pytest

from informers.kinds import KindInfo
from informers.reflector import Reflector
from informers.registry import KindRegistry
from informers.testing import (
    FakeClock,
    FakeListerWatcher,
    Watch,
    added,
    crd,
    deleted,
    page,
    run_until_exhausted,
)


class Calls:
    def __init__(self) -> None:
        self.log: list[str] = []

    def start(self, kind: KindInfo) -> None:
        self.log.append(f"start {kind.key} {kind.version}")

    def stop(self, kind: KindInfo) -> None:
        self.log.append(f"stop {kind.key} {kind.version}")


@pytest.fixture
def calls() -> Calls:
    return Calls()


def _registry(calls: Calls, *, skip: str = "") -> KindRegistry:
    return KindRegistry(
        selected=lambda k: k.plural != skip, on_start=calls.start, on_stop=calls.stop
    )


def test_a_list_starts_every_established_selected_kind(calls: Calls) -> None:
    registry = _registry(calls, skip="secrets")
    crds = [crd("gadgets"), crd("widgets", established=False), crd("secrets")]
    registry.replace(crds, "1")
    assert calls.log == ["start t.crscope.test/gadgets v1"]
    assert [k.key for k in registry.kinds()] == ["t.crscope.test/gadgets"]


def test_a_relist_stops_kinds_whose_crd_is_gone_and_keeps_the_rest(calls: Calls) -> None:
    registry = _registry(calls)
    registry.replace([crd("gadgets"), crd("widgets")], "1")
    calls.log.clear()
    registry.replace([crd("gadgets", rv=2)], "2")
    assert calls.log == ["stop t.crscope.test/widgets v1"], "an unchanged kind is not restarted"


def test_crd_events_start_restart_and_stop_a_kind(calls: Calls) -> None:
    registry = _registry(calls)
    registry.apply("ADDED", crd("gadgets", established=False))
    registry.apply("MODIFIED", crd("gadgets"))
    registry.apply("MODIFIED", crd("gadgets", rv=3))  # same kind: nothing to do
    registry.apply("MODIFIED", crd("gadgets", versions=("v1", "v2")))
    registry.apply("MODIFIED", crd("gadgets", versions=("v1", "v2"), deleting=True))
    registry.apply("DELETED", crd("gadgets", versions=("v1", "v2")))
    assert calls.log == [
        "start t.crscope.test/gadgets v1",
        "stop t.crscope.test/gadgets v1",
        "start t.crscope.test/gadgets v2",
        "stop t.crscope.test/gadgets v2",
    ]
    assert registry.kinds() == []


def test_the_registry_follows_a_crd_reflector(calls: Calls) -> None:
    clock = FakeClock()
    source = FakeListerWatcher(
        pages=[page([crd("gadgets")], rv=10)],
        watches=[Watch(added(crd("widgets", rv=11)), deleted(crd("gadgets", rv=12)))],
        clock=clock,
    )
    registry = _registry(calls)
    reflector = Reflector(
        lister_watcher=source, sink=registry, name="crds", clock=clock, list_mode="paged"
    )
    run_until_exhausted(reflector, source)
    assert calls.log == [
        "start t.crscope.test/gadgets v1",
        "start t.crscope.test/widgets v1",
        "stop t.crscope.test/gadgets v1",
    ]
