"""Faults made for real: etcd compaction (410), a killed apiserver, a half-dead connection."""

from __future__ import annotations

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import Change, ChangeType, EngineSettings
from tests.faultproxy import FaultProxy
from tests.informers.kit import (
    cached_identities,
    live_identities,
    make_crd,
    obj,
    start_engine,
    wait_until,
)

pytestmark = pytest.mark.cluster


def _setup(kube: KubeHTTP, group: str, n: int) -> str:
    make_crd(kube, group=group, kind="Gadget", plural="gadgets", namespaced=False)
    path = f"/apis/{group}/v1/gadgets"
    for i in range(n):
        kube.request("POST", path, body=obj(group=group, kind="Gadget", name=f"d{i}"))
    return path


def test_relist_after_410_delivers_tombstones_and_converges(
    fault_plane: ControlPlane, fault_kube: KubeHTTP, group: str
) -> None:
    path = _setup(fault_kube, group, 10)
    proxy = FaultProxy(target_port=fault_plane.port).start()
    changes: list[Change] = []
    engine = start_engine(
        fault_plane, port=proxy.port, settings=EngineSettings(include_groups=(group,), events="off")
    )
    engine.add_change_listener(changes.append)
    key = f"{group}/gadgets"
    try:
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(fault_kube, path),
            timeout=10,
            message="initial sync",
        )
        informer = engine.informer(key)
        assert informer is not None
        proxy.stall()  # the watch goes quiet; writes continue behind its back
        for i in range(3):
            fault_kube.request("DELETE", f"{path}/d{i}")
        fault_kube.request(
            "PATCH", f"{path}/d5", body={"spec": {"size": 5}}, content_type=MERGE_PATCH
        )
        fault_kube.request("POST", path, body=obj(group=group, kind="Gadget", name="late"))
        first_d3 = fault_kube.request("GET", f"{path}/d3")["metadata"]["uid"]
        fault_kube.request("DELETE", f"{path}/d3")  # and created again: another object
        fault_kube.request("POST", path, body=obj(group=group, kind="Gadget", name="d3"))
        fault_plane.compact_etcd()
        proxy.drop_all()
        proxy.resume()
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(fault_kube, path),
            timeout=15,
            message="convergence after 410",
        )
        assert informer.reflector.metrics.relists_gone >= 1
        tombstones = {c.key for c in changes if c.type == ChangeType.DELETED and c.tombstone}
        assert tombstones == {"d0", "d1", "d2", "d3"}
        last_states = {c.key: c.old for c in changes if c.tombstone}
        assert all(e is not None and e.name == k for k, e in last_states.items())
        # d3 is two objects: the first one's end, then the second one's start
        d3 = [(c.type, c.entry.uid) for c in changes if c.key == "d3" and not c.initial]
        second_d3 = fault_kube.request("GET", f"{path}/d3")["metadata"]["uid"]
        assert d3 == [(ChangeType.DELETED, first_d3), (ChangeType.ADDED, second_d3)], d3
    finally:
        engine.stop()
        proxy.stop()


def test_half_dead_connection_is_detected_by_read_timeout(
    fault_plane: ControlPlane, fault_kube: KubeHTTP, group: str
) -> None:
    path = _setup(fault_kube, group, 2)
    proxy = FaultProxy(target_port=fault_plane.port).start()
    engine = start_engine(
        fault_plane,
        port=proxy.port,
        settings=EngineSettings(include_groups=(group,), events="off", read_timeout=2.0),
    )
    key = f"{group}/gadgets"
    try:
        wait_until(
            lambda: len(cached_identities(engine, key)) == 2, timeout=10, message="initial sync"
        )
        informer = engine.informer(key)
        assert informer is not None
        errors_before = informer.reflector.metrics.errors
        proxy.stall()
        fault_kube.request("POST", path, body=obj(group=group, kind="Gadget", name="while-dead"))
        # The silent stream ends after the read timeout (as a quiet watch would); the
        # reconnect through the stalled proxy then fails, after a read or connect timeout.
        wait_until(
            lambda: informer.reflector.metrics.errors > errors_before,
            timeout=60,
            interval=0.1,
            message="dead connection detected",
        )
        proxy.resume()
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(fault_kube, path),
            timeout=15,
            message="convergence after reconnect",
        )
    finally:
        engine.stop()
        proxy.stop()


def test_engine_recovers_after_apiserver_is_killed_and_restarted(
    fault_plane: ControlPlane, fault_kube: KubeHTTP, group: str
) -> None:
    path = _setup(fault_kube, group, 3)
    engine = start_engine(
        fault_plane, settings=EngineSettings(include_groups=(group,), events="off")
    )
    key = f"{group}/gadgets"
    try:
        wait_until(
            lambda: len(cached_identities(engine, key)) == 3, timeout=10, message="initial sync"
        )
        fault_plane.restart_apiserver(kill=True)
        fault_kube.request("DELETE", f"{path}/d0")
        fault_kube.request("POST", path, body=obj(group=group, kind="Gadget", name="after"))
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(fault_kube, path),
            timeout=40,
            message="convergence after apiserver restart",
        )
        assert engine.readiness().ready
    finally:
        engine.stop()
