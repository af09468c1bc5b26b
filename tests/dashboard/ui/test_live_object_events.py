"""A detail page's socket follows its object's Events on the engine's hub, while open.

Why: a new Warning about the object should reach the open page as soon as it is recorded,
so the page listens to the hub for Events about that one object. A listener left behind
when the socket closes would keep the consumer (and its feeds) alive for the life of the
engine, one per page ever opened.
"""

from __future__ import annotations

import asyncio

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine
from tests.dashboard.ui.conftest import Live
from tests.dashboard.ui.test_live_flow import create
from tests.informers.kit import wait_until

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


def _following(engine: Engine, uid: str) -> int:
    return sum(1 for listener in engine.hub.listeners() if listener.involved_uid == uid)


async def test_an_open_detail_page_follows_its_objects_events_until_it_closes(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    created = await asyncio.to_thread(create, kube, namespace, "followed")
    uid = created["metadata"]["uid"]
    informer = live_engine.informer("demo.crscope.dev/widgets")
    assert informer is not None
    await asyncio.to_thread(
        wait_until,
        lambda: informer.store.get(f"{namespace}/followed") is not None,
        timeout=30,
        message="the object is cached",
    )
    query = f"view=detail&kind=demo.crscope.dev/widgets&namespace={namespace}&name=followed"
    async with Live(query) as page:
        assert await page.receive() is not None
        await asyncio.to_thread(
            wait_until,
            lambda: _following(live_engine, uid) == 1,
            timeout=30,
            message="the page follows its object's Events",
        )
        listener = next(each for each in live_engine.hub.listeners() if each.involved_uid == uid)
        assert listener.on_change is None  # changes reach the page through its subscription
    await asyncio.to_thread(
        wait_until,
        lambda: _following(live_engine, uid) == 0,
        timeout=30,
        message="the closed page stopped following",
    )
