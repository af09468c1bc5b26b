"""A bell message on the channel layer pushes the viewer's bell, unless this process sent it.

Why: another replica's in-app notification reaches this replica's sockets only through
the channel-layer group; one recorded here has already been pushed by ``BellPush``, so
its echo from the group must not push the bell a second time.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from dashboard.notify.bell import BELL_GROUP, BELL_RANG, REPLICA
from dashboard.ui.live import consumer
from informers import Engine
from tests.dashboard.ui.live import Live

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


def is_bell(message: str) -> bool:
    return 'id="notify-bell"' in message


async def test_another_replicas_bell_message_pushes_the_bell_once(live_engine: Engine) -> None:
    layer = get_channel_layer()
    assert layer is not None
    async with Live("view=frame") as live:
        await live.receive()  # the first frame: the consumer has joined its groups
        # This process's own message first: channels hands a consumer its messages in order.
        await layer.group_send(BELL_GROUP, {"type": BELL_RANG, "origin": REPLICA})
        await layer.group_send(BELL_GROUP, {"type": BELL_RANG, "origin": "another-replica"})
        pushed = await live.until(is_bell)
        assert 'hx-swap-oob="true"' in pushed and "Notifications, 0 unread" in pushed
        await live.quiet_for(1.0)  # an echo of this process's own message would come now
        assert [m for m in live.messages if is_bell(m)] == [pushed]


async def test_a_socket_whose_membership_expired_rejoins_and_hears_the_bell(
    live_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page left open past the layer's group expiry must keep ringing (here: rejoin on
    every periodic check instead of hourly, and expire the membership by hand)."""
    monkeypatch.setattr(consumer, "REJOIN_SECONDS", 0.0)
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)
    async with Live("view=frame") as live:
        await live.receive()
        layer.groups.pop(BELL_GROUP, None)  # what the layer does once group_expiry passes
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while not layer.groups.get(BELL_GROUP):
            assert loop.time() < deadline, "the socket did not rejoin the bell group"
            await live.receive(timeout=0.2)
        await layer.group_send(BELL_GROUP, {"type": BELL_RANG, "origin": "another-replica"})
        assert "Notifications, 0 unread" in await live.until(is_bell)
