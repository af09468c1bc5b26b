"""A kind the engine cannot list (403, conversion failure) is reported, not waited for.

Against the real apiserver: the engine runs as a user whose RBAC lags behind the CRDs, or
watches a kind whose conversion webhook is broken. Within the grace period readiness
still waits for the kind; past it, readiness is ready and the kind is "unavailable" with
its reason; the reflector keeps retrying and the kind joins once it can be listed.
"""

from __future__ import annotations

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine, EngineSettings, KubeClient, load_cluster_config
from tests.informers.kit import make_crd, obj, start_engine, wait_until
from tests.unlistable import USER, GroupGrant, allow_crds

pytestmark = pytest.mark.cluster


def _engine(cp: ControlPlane, group: str, *, grace: float, user: str = USER) -> Engine:
    config = load_cluster_config(str(cp.kubeconfig_path(user)))
    settings = EngineSettings(include_groups=(group,), events="off", failure_grace=grace)
    engine = Engine(KubeClient(config), settings)
    engine.start()
    return engine


def test_forbidden_kind_is_waited_for_in_grace_then_reported_and_joins(
    control_plane: ControlPlane, kube: KubeHTTP, group: str
) -> None:
    allow_crds(kube)
    make_crd(kube, group=group, kind="Gadget", plural="gadgets", namespaced=False)
    kube.request(
        "POST", f"/apis/{group}/v1/gadgets", body=obj(group=group, kind="Gadget", name="g1")
    )
    key = f"{group}/gadgets"
    grant = GroupGrant(kube, group)
    strict = _engine(control_plane, group, grace=3600)
    lenient = _engine(control_plane, group, grace=0)
    try:
        wait_until(
            lambda: (i := lenient.informer(key)) is not None and i.unavailable is not None,
            timeout=30,
            message="the forbidden kind is reported",
        )
        informer = lenient.informer(key)
        assert informer is not None and informer.unavailable is not None
        assert (informer.unavailable.reason, informer.unavailable.status) == ("forbidden", 403)
        readiness = lenient.readiness()
        assert readiness.ready, readiness
        assert readiness.unavailable == (f"{key}: forbidden",)
        assert lenient.metrics()["kinds"][key]["unavailable"] == "forbidden"

        # Within the grace period the same failure still holds readiness back.
        wait_until(
            lambda: (
                (i := strict.informer(key)) is not None
                and i.reflector.metrics.failing_status == 403
            ),
            timeout=30,
            message="the strict engine meets the 403",
        )
        held = strict.readiness()
        assert not held.ready and any(key in r for r in held.reasons), held
        assert held.summary == ("1 kind still syncing",)  # no kind names in the summary

        grant.grant()
        wait_until(
            lambda: informer.synced and len(informer.store) == 1,
            timeout=120,
            message="the kind joins once RBAC allows the list",
        )
        assert informer.unavailable is None
        assert lenient.readiness().unavailable == ()
    finally:
        strict.stop()
        lenient.stop()
        grant.revoke()


def test_broken_conversion_webhook_is_reported(
    control_plane: ControlPlane, kube: KubeHTTP, group: str
) -> None:
    name = make_crd(kube, group=group, kind="Gizmo", plural="gizmos", namespaced=False)
    kube.request("POST", f"/apis/{group}/v1/gizmos", body=obj(group=group, kind="Gizmo", name="z1"))
    # Stored as v1; v2 becomes the storage version with a webhook nobody answers, so the
    # engine's v2 list must convert z1 and fails.
    path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
    crd = kube.request("GET", path)
    v1 = crd["spec"]["versions"][0]
    v2 = {**v1, "name": "v2", "storage": True}
    crd["spec"]["versions"] = [{**v1, "storage": False}, v2]
    crd["spec"]["conversion"] = {
        "strategy": "Webhook",
        "webhook": {
            "conversionReviewVersions": ["v1"],
            "clientConfig": {"url": "https://127.0.0.1:1/convert"},
        },
    }
    kube.request("PUT", path, body=crd)
    engine = start_engine(
        control_plane,
        settings=EngineSettings(include_groups=(group,), events="off", failure_grace=0),
    )
    key = f"{group}/gizmos"
    try:
        wait_until(
            lambda: (
                (i := engine.informer(key)) is not None
                and i.kind.version == "v2"
                and i.unavailable is not None
            ),
            timeout=60,
            message="the conversion failure is reported",
        )
        informer = engine.informer(key)
        assert informer is not None and informer.unavailable is not None
        assert informer.unavailable.reason == "conversion failed", informer.unavailable
        assert engine.readiness().ready
    finally:
        engine.stop()
