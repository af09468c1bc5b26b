"""Streaming list where the server supports it; paged LIST (limit 500 + continue) otherwise."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import Change, EngineSettings
from tests.informers.kit import (
    cached_identities,
    live_identities,
    make_crd,
    obj,
    start_engine,
    wait_until,
)

pytestmark = pytest.mark.cluster

# The two list modes these tests compare ("stream" is what "auto" picks when it can).
ComparedMode = Literal["auto", "paged"]


def _populate(kube: KubeHTTP, group: str, n: int) -> str:
    make_crd(kube, group=group, kind="Item", plural="items", namespaced=False)
    path = f"/apis/{group}/v1/items"
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda i: kube.request(
                    "POST", path, body=obj(group=group, kind="Item", name=f"i{i:05d}")
                ),
                range(n),
            )
        )
    return path


@pytest.mark.parametrize("mode", ["auto", "paged"])
def test_initial_sync_matches_list(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, mode: ComparedMode
) -> None:
    path = _populate(kube, group, 1100)
    engine = start_engine(
        control_plane,
        settings=EngineSettings(include_groups=(group,), list_mode=mode, events="off"),
    )
    key = f"{group}/items"
    try:
        wait_until(
            lambda: (i := engine.informer(key)) is not None and i.synced,
            timeout=30,
            message="synced",
        )
        informer = engine.informer(key)
        assert informer is not None
        assert cached_identities(engine, key) == live_identities(kube, path)
        assert informer.sync_progress.loaded == 1100
        assert informer.sync_progress.total == 1100
        # The 1.34 apiserver serves streaming lists; "paged" must not use them.
        assert informer.reflector.metrics.streaming_list is (mode == "auto")
        # Items from a LIST carry no kind; the reflector restores it.
        entry = informer.store.get("i00001")
        assert entry is not None and entry.obj["kind"] == "Item"
    finally:
        engine.stop()


def test_paged_list_is_used_when_streaming_is_unavailable(
    fault_plane: ControlPlane, fault_kube: KubeHTTP, group: str
) -> None:
    # With WatchList off the server answers 422 to sendInitialEvents: the probe falls back.
    path = _populate(fault_kube, group, 20)
    engine = start_engine(
        fault_plane, settings=EngineSettings(include_groups=(group,), events="off")
    )
    key = f"{group}/items"
    try:
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(fault_kube, path),
            timeout=15,
            message="synced via paged list",
        )
        informer = engine.informer(key)
        assert informer is not None and informer.reflector.metrics.streaming_list is False
    finally:
        engine.stop()


@pytest.mark.parametrize("mode", ["auto", "paged"])
def test_metadata_only_kinds_cache_metadata_without_bodies(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, mode: ComparedMode
) -> None:
    path = _populate(kube, group, 30)
    engine = start_engine(
        control_plane,
        settings=EngineSettings(
            include_groups=(group,), events="off", metadata_only_kinds=("Item",), list_mode=mode
        ),
    )
    key = f"{group}/items"
    try:
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(kube, path),
            timeout=15,
            message="metadata synced",
        )
        kube.request(
            "PATCH",
            f"{path}/i00003",
            body={"metadata": {"labels": {"x": "y"}}},
            content_type="application/merge-patch+json",
        )
        wait_until(
            lambda: cached_identities(engine, key) == live_identities(kube, path),
            timeout=5,
            message="metadata watch delivers changes",
        )
        informer = engine.informer(key)
        assert informer is not None
        entry = informer.store.get("i00003")
        assert entry is not None
        assert entry.obj["kind"] == "PartialObjectMetadata"
        assert "spec" not in entry.obj and entry.labels == {"x": "y"}
        assert entry.status.state == "Unknown" and entry.status.reason == "MetadataOnly"
    finally:
        engine.stop()


@pytest.mark.parametrize("mode", ["auto", "paged"])
def test_listed_objects_lose_managed_fields_but_keep_their_managers(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, mode: ComparedMode
) -> None:
    """managedFields are dropped as the list is parsed (for memory), yet the initial
    changes still name who wrote each object, and later updates name the new writer."""
    make_crd(kube, group=group, kind="Item", plural="items", namespaced=False)
    path = f"/apis/{group}/v1/items"
    for i in range(3):
        kube.request(
            "POST",
            path,
            body=obj(group=group, kind="Item", name=f"m{i}"),
            query={"fieldManager": f"creator-{i}"},
        )
    engine = start_engine(
        control_plane,
        settings=EngineSettings(include_groups=(group,), list_mode=mode, events="off"),
    )
    seen: list[Change] = []
    engine.add_change_listener(seen.append)
    key = f"{group}/items"
    try:
        wait_until(
            lambda: len([c for c in seen if c.kind == key]) >= 3, timeout=30, message="listed"
        )
        added = {c.key: c.managers for c in seen if c.kind == key}
        assert added == {f"m{i}": (f"creator-{i}",) for i in range(3)}
        informer = engine.informer(key)
        assert informer is not None
        entry = informer.store.get("m1")
        assert entry is not None and "managedFields" not in entry.obj["metadata"]
        kube.request(
            "PATCH",
            f"{path}/m1",
            body={"spec": {"size": 99}},
            content_type=MERGE_PATCH,
            query={"fieldManager": "editor"},
        )
        wait_until(
            lambda: any(c.key == "m1" and c.type.value == "MODIFIED" for c in seen),
            timeout=10,
            message="the update",
        )
        modified = next(c for c in seen if c.key == "m1" and c.type.value == "MODIFIED")
        assert modified.managers == ("editor",)
    finally:
        engine.stop()
