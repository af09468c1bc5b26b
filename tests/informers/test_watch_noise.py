"""Normal operation logs no warnings: many kinds share one pool, quiet watches reconnect.

Why: an operator reads WARNING lines as "something is wrong". With more than 32 kinds the
log filled with urllib3's "Connection pool is full", and an Events watch that saw nothing
for the read timeout logged a warning every 100 s, though both were normal.
"""

from __future__ import annotations

import logging

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import EngineSettings
from tests.informers.kit import make_crd, start_engine, wait_until

pytestmark = pytest.mark.cluster

KINDS = 40


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]


def test_forty_kinds_share_the_pool_without_discarding_connections(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(KINDS):
        make_crd(kube, group=group, kind=f"Part{i}", plural=f"parts{i}")
    caplog.set_level(logging.INFO)
    engine = start_engine(
        control_plane, settings=EngineSettings(include_groups=(group,), events="off")
    )
    try:
        wait_until(
            lambda: len(engine.kinds()) == KINDS and engine.readiness().ready,
            timeout=120,
            interval=0.2,
            message=f"{KINDS} kinds synced",
        )
    finally:
        engine.stop()  # every watch hands its connection back at once
    pool_full = [m for m in _warnings(caplog) if "Connection pool is full" in m]
    assert pool_full == []


def test_a_quiet_watch_reconnects_without_a_warning(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    group: str,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An Events watch on an empty namespace sees nothing; the apiserver sends Events no
    bookmarks (they bypass the watch cache), so each read timeout ends the watch."""
    make_crd(kube, group=group, kind="Quiet", plural="quiets")
    caplog.set_level(logging.DEBUG, logger="informers")
    engine = start_engine(
        control_plane,
        settings=EngineSettings(
            include_groups=(group,), namespaces=(namespace,), events="namespaces", read_timeout=1.0
        ),
    )
    try:
        [events] = engine._event_reflectors
        wait_until(  # a reconnect is a restart, or an error (and a warning) before the fix
            lambda: events.metrics.watch_restarts + events.metrics.errors >= 2,
            timeout=60,
            interval=0.1,
            message="the quiet Events watch reconnected twice",
        )
        assert events.metrics.errors == 0, events.metrics.last_error
    finally:
        engine.stop()
    assert _warnings(caplog) == []
