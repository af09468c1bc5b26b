"""A detail page's socket follows its object's Events on the engine's hub, while open.

Why: a new Warning about the object should reach the open page as soon as it is recorded,
so the page listens to the hub for Events about that one object. A listener left behind
when the socket closes would keep the consumer (and its feeds) alive for the life of the
engine, one per page ever opened.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine
from tests.dashboard.ui.inprocess import cached_widget
from tests.dashboard.ui.live import Live
from tests.informers.kit import wait_until

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


def _following(engine: Engine, uid: str) -> int:
    return sum(1 for listener in engine.hub.listeners() if listener.involved_uid == uid)


async def test_an_open_detail_page_follows_its_objects_events_until_it_closes(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    created = await asyncio.to_thread(cached_widget, kube, live_engine, namespace, "followed")
    uid = created["metadata"]["uid"]
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


async def test_a_socket_closing_while_the_channel_layer_fails_leaves_nothing_on_the_hub(
    live_engine: Engine, kube: KubeHTTP, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Redis down, leaving the channel-layer groups raises; the socket's subscription
    and Event listener must be gone from the hub all the same."""
    from channels.layers import get_channel_layer

    created = await asyncio.to_thread(cached_widget, kube, live_engine, namespace, "layer-down")
    uid = created["metadata"]["uid"]
    subscribed = len(live_engine.hub.subscriptions())
    query = f"view=detail&kind=demo.crscope.dev/widgets&namespace={namespace}&name=layer-down"
    page = Live(query)
    await page.__aenter__()
    assert await page.receive() is not None
    await asyncio.to_thread(
        wait_until, lambda: _following(live_engine, uid) == 1, timeout=30, message="following"
    )

    async def unreachable(*args: object) -> None:
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(type(get_channel_layer()), "group_discard", unreachable)
    with contextlib.suppress(ConnectionError):  # re-raised by the test communicator
        await page.__aexit__(None, None, None)
    await asyncio.to_thread(
        wait_until,
        lambda: (
            _following(live_engine, uid) == 0 and len(live_engine.hub.subscriptions()) <= subscribed
        ),
        timeout=30,
        message="the closed socket let go of the hub",
    )
