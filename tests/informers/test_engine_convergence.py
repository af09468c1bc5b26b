"""The cache equals a fresh LIST soon after the last write, across kinds coming and going.

Bounds are generous (the suite runs on loaded 2-core machines): they catch a cache that
never converges, not a slow one; speed is the benchmarks' business.
"""

from __future__ import annotations

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import EngineSettings
from tests.informers.kit import (
    cached_identities,
    delete_crd,
    live_identities,
    make_crd,
    obj,
    start_engine,
    wait_until,
)

pytestmark = pytest.mark.cluster


def test_cache_converges_after_mixed_writes_and_crd_changes(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, namespace: str
) -> None:
    make_crd(kube, group=group, kind="Gizmo", plural="gizmos")
    engine = start_engine(control_plane, settings=EngineSettings(include_groups=(group,)))
    gizmos = f"{group}/gizmos"
    path = f"/apis/{group}/v1/namespaces/{namespace}/gizmos"
    try:
        wait_until(
            lambda: (i := engine.informer(gizmos)) is not None and i.synced,
            timeout=10,
            message="gizmo informer synced",
        )
        for i in range(30):
            kube.request(
                "POST",
                path,
                body=obj(
                    group=group, kind="Gizmo", name=f"g{i}", namespace=namespace, spec={"size": i}
                ),
            )
        for i in range(0, 30, 3):
            kube.request(
                "PATCH", f"{path}/g{i}", body={"spec": {"size": 100 + i}}, content_type=MERGE_PATCH
            )
        for i in range(1, 30, 4):
            kube.request(
                "PATCH",
                f"{path}/g{i}/status",
                content_type=MERGE_PATCH,
                body={
                    "status": {
                        "observedGeneration": 1,
                        "conditions": [
                            {
                                "type": "Ready",
                                "status": "False",
                                "reason": "Failed",
                                "message": "boom",
                                "lastTransitionTime": "2024-01-01T00:00:00Z",
                            }
                        ],
                    }
                },
            )
        for i in range(2, 30, 5):
            kube.request("DELETE", f"{path}/g{i}")

        # A second, cluster-scoped kind appears while the engine runs: no restart needed.
        cogs_crd = make_crd(kube, group=group, kind="Cog", plural="cogs", namespaced=False)
        for i in range(5):
            kube.request(
                "POST", f"/apis/{group}/v1/cogs", body=obj(group=group, kind="Cog", name=f"cog-{i}")
            )
        kube.request("DELETE", f"/apis/{group}/v1/cogs/cog-0")

        def converged() -> bool:
            return cached_identities(engine, gizmos) == live_identities(
                kube, path
            ) and cached_identities(engine, f"{group}/cogs") == live_identities(
                kube, f"/apis/{group}/v1/cogs"
            )

        wait_until(converged, timeout=30, message="cache equals a fresh LIST")
        informer = engine.informer(gizmos)
        assert informer is not None
        failed = [e.name for e in informer.store.list() if e.status.state == "Failed"]
        # Failed needs a fresh status: a spec patch (every 3rd) makes observedGeneration stale.
        expected = [f"g{i}" for i in range(1, 30, 4) if i % 5 != 2 and i % 3 != 0]
        assert sorted(failed) == sorted(expected)

        # The CRD goes away: its informer stops and its cache is dropped.
        delete_crd(kube, cogs_crd)
        wait_until(
            lambda: engine.informer(f"{group}/cogs") is None,
            timeout=30,
            message="cog informer removed after CRD deletion",
        )
        assert f"{group}/cogs" not in {k.key for k in engine.kinds()}
    finally:
        engine.stop()


def test_kind_filters_include_and_exclude(
    control_plane: ControlPlane, kube: KubeHTTP, group: str
) -> None:
    make_crd(kube, group=group, kind="Keep", plural="keeps")
    make_crd(kube, group=group, kind="Skip", plural="skips")
    engine = start_engine(
        control_plane, settings=EngineSettings(include_groups=(group,), exclude_kinds=("Skip",))
    )
    try:
        # Ready means the whole CRD list was handled, so a wrongly started informer for
        # the excluded kind would exist by now.
        wait_until(
            lambda: engine.informer(f"{group}/keeps") is not None and engine.readiness().ready,
            timeout=60,
            message="included kind watched and synced",
        )
        assert engine.informer(f"{group}/skips") is None
        assert all(k.group == group for k in engine.kinds())
    finally:
        engine.stop()
