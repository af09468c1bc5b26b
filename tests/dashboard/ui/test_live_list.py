"""The list page's WebSocket: only matching changes are pushed, and bursts are batched."""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any

import pytest

from dashboard.ui.live import consumer
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import DATABASE, WIDGET, sample_object, status_for, write_status
from informers import Engine
from tests.dashboard.ui.live import Live

pytestmark = pytest.mark.cluster

WIDGETS = "kind=demo.crscope.dev/widgets"


def create(kube: KubeHTTP, kind: Any, namespace: str, name: str) -> dict[str, Any]:
    obj = sample_object(kind, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    return kube.request("POST", kind.collection_path(namespace), body=obj)


async def test_other_namespace_and_kind_are_not_pushed(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    other_ns = f"{namespace}-x"
    await asyncio.to_thread(
        kube.request,
        "POST",
        "/api/v1/namespaces",
        body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": other_ns}},
    )
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}") as live:
        first = await live.receive()
        assert first is not None and 'id="rows"' in first  # the initial full render
        await asyncio.to_thread(create, kube, WIDGET, other_ns, "elsewhere-widget")
        await asyncio.to_thread(create, kube, DATABASE, namespace, "same-ns-database")
        await asyncio.to_thread(create, kube, WIDGET, namespace, "wanted-widget")
        pushed = await live.until(lambda m: "wanted-widget" in m)
        assert 'hx-swap-oob="afterbegin:#rows"' in pushed or "afterend:#r-" in pushed
        later = await live.quiet_for(1.0)
        everything = "".join([*live.messages, *later])
        assert "elsewhere-widget" not in everything
        assert "same-ns-database" not in everything


async def test_state_filter_is_honoured(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}&state=Failed") as live:
        await live.receive()
        created = await asyncio.to_thread(create, kube, WIDGET, namespace, "turns-failed")
        assert not any("turns-failed" in m for m in await live.quiet_for(1.0))
        rng = random.Random(1)
        stalled = status_for(WIDGET, created, outcome="Stalled", observed_generation=1, rng=rng)
        updated = await asyncio.to_thread(
            write_status, kube, WIDGET, created, status=stalled, field_manager="test"
        )
        row = await live.until(lambda m: "turns-failed" in m)
        assert "st-failed" in row
        ready = status_for(WIDGET, updated, outcome="Ready", observed_generation=1, rng=rng)
        await asyncio.to_thread(
            write_status, kube, WIDGET, updated, status=ready, field_manager="test"
        )
        gone = await live.until(lambda m: "leaving" in m)
        assert "turns-failed" in gone and 'hx-swap-oob="outerHTML:#r-' in gone


async def test_changes_within_a_batch_window_arrive_as_one_message(
    live_engine: Engine, kube: KubeHTTP, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer, "BATCH_SECONDS", 0.4)
    names = [f"burst-{i}" for i in range(4)]
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}") as live:
        await live.receive()
        threads = [
            threading.Thread(target=create, args=(kube, WIDGET, namespace, n)) for n in names
        ]
        for t in threads:
            t.start()

        def join_all() -> None:
            for t in threads:
                t.join()

        await asyncio.to_thread(join_all)
        message = await live.until(lambda m: any(n in m for n in names))
        assert all(n in message for n in names), message
        assert message.count('id="live-meta"') == 1
