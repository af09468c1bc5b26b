"""Live flow control: health pushes, pause/resume, the ack window and overflow refreshes."""

from __future__ import annotations

import asyncio
import json
import random
import re
from typing import Any

import pytest

from dashboard.core.web.metrics import WS_MESSAGES, WS_RESYNCS
from dashboard.ui.live import consumer
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object, status_for, write_status
from informers import Engine
from tests.dashboard.ui.live import Live

pytestmark = pytest.mark.cluster
WIDGETS = "kind=demo.crscope.dev/widgets"


def create(kube: KubeHTTP, namespace: str, name: str) -> dict[str, Any]:
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    return kube.request("POST", WIDGET.collection_path(namespace), body=obj)


def stall(kube: KubeHTTP, obj: dict[str, Any], *, reason: str | None = None) -> None:
    status = status_for(WIDGET, obj, outcome="Stalled", observed_generation=1, rng=random.Random(0))
    if reason is not None:  # a reason no other object shares: a row of its own, never grouped
        for condition in status["conditions"]:
            if condition["type"] in ("Ready", "Stalled"):
                condition["reason"] = reason
    write_status(kube, WIDGET, obj, status=status, field_manager="test")


def meta(message: str, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', message)
    assert match, message
    return match.group(1)


async def test_health_view_pushes_a_newly_failed_object(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    async with Live("view=health") as live:
        first = await live.receive()
        assert first is not None and 'id="health-cards"' in first
        created = await asyncio.to_thread(create, kube, namespace, "health-fails")
        # The shared cluster may already hold ten Widgets failing with the sample's reason,
        # which the attention table shows as one group row.
        await asyncio.to_thread(stall, kube, created, reason=f"Only{namespace.replace('-', '')}")
        pushed = await live.until(lambda m: "health-fails" in m)
        # inserted first, or after the row or group row ("#ag-") worse or older than it
        assert "afterbegin:#attention-rows" in pushed or "afterend:#a" in pushed
        assert "st-failed" in pushed


async def test_paused_page_counts_updates_and_resume_applies_them(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}") as live:
        await live.receive()
        await live.comm.send_to(text_data=json.dumps({"pause": True}))
        await live.until(lambda m: meta(m, "paused") == "1")  # the server holds changes now
        for name in ("held-1", "held-2"):
            await asyncio.to_thread(create, kube, namespace, name)
        waiting = await live.until(lambda m: meta(m, "waiting") not in ("", "0"))
        assert "held-" not in waiting and meta(waiting, "paused") == "1"
        await live.comm.send_to(text_data=json.dumps({"pause": False}))
        applied = await live.until(lambda m: "held-1" in m or "held-2" in m)
        got = "".join([applied, *await live.quiet_for(0.5)])
        assert "held-1" in got and "held-2" in got


async def test_unacknowledged_client_gets_no_queue_then_the_latest_state(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}") as live:
        await live.comm.receive_from(timeout=5)  # initial render, never acknowledged
        sent = 1
        for i in range(6):  # each lands in its own batch
            await asyncio.to_thread(create, kube, namespace, f"slow-{i}")
            await asyncio.sleep(consumer.BATCH_SECONDS + 0.15)
        while not await live.comm.receive_nothing(timeout=0.3):
            await live.comm.receive_from()
            sent += 1
        assert sent <= consumer.ACK_WINDOW  # the rest was not queued anywhere
        await live.comm.send_to(text_data=json.dumps({"ack": sent}))
        latest = await live.until(lambda m: "slow-5" in m)
        assert "slow-5" in latest


async def test_overflow_sends_a_full_refresh(
    live_engine: Engine, kube: KubeHTTP, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer, "MAX_PENDING", 1)
    monkeypatch.setattr(consumer, "BATCH_SECONDS", 0.5)
    sent, resyncs = WS_MESSAGES._value.get(), WS_RESYNCS._value.get()
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}") as live:
        await live.receive()
        for name in ("flood-1", "flood-2", "flood-3"):
            await asyncio.to_thread(create, kube, namespace, name)
        refresh = await live.until(lambda m: "flood-3" in m)
        assert meta(refresh, "resync") == "overflow"
        assert WS_RESYNCS._value.get() == resyncs + 1  # /metrics counts what users got
        assert WS_MESSAGES._value.get() >= sent + len(live.messages)
        assert '<tbody id="rows" hx-swap-oob="true">' in refresh
        assert all(n in refresh for n in ("flood-1", "flood-2", "flood-3"))


async def test_acks_and_pauses_go_straight_to_the_consumer(
    live_engine: Engine, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Channels hops to its one sync thread to close stale database connections before
    each message; a page's acks and pauses touch no database, and fifty viewers' acks
    queued on that thread."""
    import channels.consumer

    hops: list[int] = []

    async def counted() -> None:
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    async with Live(f"view=list&{WIDGETS}&namespace={namespace}") as live:
        first = await live.receive()  # acked by Live
        assert first is not None
        before = len(hops)
        for _ in range(5):
            await live.comm.send_to(text_data=json.dumps({"ack": int(meta(first, "seq"))}))
        await live.comm.send_to(text_data=json.dumps({"pause": True}))
        await live.until(lambda m: meta(m, "paused") == "1")
        assert len(hops) == before
