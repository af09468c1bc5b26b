"""Malformed, huge and oddly-encoded objects: logged once, shown Unknown, nothing else lost."""

from __future__ import annotations

import logging

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import EngineSettings, State
from tests.informers.kit import (
    cached_identities,
    live_identities,
    make_crd,
    obj,
    start_engine,
    wait_until,
)

pytestmark = pytest.mark.cluster


def test_bad_objects_are_contained(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    group: str,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_crd(kube, group=group, kind="Odd", plural="odds")  # a CRD with no schema at all
    path = f"/apis/{group}/v1/namespaces/{namespace}/odds"
    engine = start_engine(
        control_plane, settings=EngineSettings(include_groups=(group,), events="off")
    )
    key = f"{group}/odds"
    statuses = {
        "conditions-not-list": {"conditions": "Ready"},
        "condition-not-dict": {"conditions": ["Ready"]},
        "status-not-dict": "broken",
    }
    # Tolerated since issue 16: ignored, and said so, rather than Unknown.
    tolerated = {"bad-observed-generation": {"observedGeneration": "seven"}}
    try:
        wait_until(
            lambda: (i := engine.informer(key)) is not None and i.synced,
            timeout=10,
            message="synced",
        )
        for name, status in {**statuses, **tolerated}.items():
            kube.request(
                "POST", path, body=obj(group=group, kind="Odd", name=name, namespace=namespace)
            )
            kube.request(
                "PATCH", f"{path}/{name}/status", body={"status": status}, content_type=MERGE_PATCH
            )
        huge = obj(
            group=group,
            kind="Odd",
            name="huge",
            namespace=namespace,
            spec={"blob": "x" * 1_200_000},
        )
        kube.request("POST", path, body=huge)
        fraktur = "\U0001d518\U0001d52b\U0001d526"
        unicode_ann = {"note": f"ünïcødé ✓ {fraktur} \u202e rtl <script>alert(1)</script>"}
        odd = obj(group=group, kind="Odd", name="unicode", namespace=namespace)
        odd["metadata"]["annotations"] = unicode_ann
        kube.request("POST", path, body=odd)
        kube.request(
            "POST", path, body=obj(group=group, kind="Odd", name="fine", namespace=namespace)
        )
        with caplog.at_level(logging.WARNING, logger="informers"):
            wait_until(
                lambda: cached_identities(engine, key) == live_identities(kube, path),
                timeout=5,
                message="all objects cached",
            )
        informer = engine.informer(key)
        assert informer is not None
        for name in statuses:
            entry = informer.store.get(f"{namespace}/{name}")
            assert entry is not None
            assert entry.status.state == State.UNKNOWN, name
            assert entry.status.reason, name
        odd_generation = informer.store.get(f"{namespace}/bad-observed-generation")
        assert odd_generation is not None
        assert odd_generation.status.state == State.CURRENT
        assert "status.observedGeneration is 'seven'" in odd_generation.status.message
        huge_entry = informer.store.get(f"{namespace}/huge")
        assert huge_entry is not None and len(huge_entry.obj["spec"]["blob"]) == 1_200_000
        uni = informer.store.get(f"{namespace}/unicode")
        assert uni is not None and uni.obj["metadata"]["annotations"] == unicode_ann
        fine = informer.store.get(f"{namespace}/fine")
        assert fine is not None and fine.status.state == State.CURRENT
        # Each bad object is logged once, with its identity, however often it is seen.
        for name in statuses:
            lines = [r for r in caplog.records if f"{namespace}/{name}" in r.getMessage()]
            assert len(lines) <= 1, name
        assert informer.reflector.metrics.errors == 0
    finally:
        engine.stop()
