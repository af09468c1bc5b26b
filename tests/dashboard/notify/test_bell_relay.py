"""The bell relay: one message to every socket's group, sent from the outbox worker's thread.

Why Redis here: the relay exists for a layer shared by replicas, and it runs on a plain
thread, where ``async_to_sync`` gives it an event loop of its own; this checks that such a
send reaches a member of the group as another replica's consumer would receive it.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.test import override_settings

from dashboard.notify import inbox
from dashboard.notify.bell import BELL_GROUP, BELL_RANG, REPLICA, rang_here, relay
from dashboard.settings import channel_layers
from tests.services import Redis

pytestmark = pytest.mark.services
NOTICE = inbox.Notice(nid="n1", rule="r", summary="s", scopes=(("g/p", "ns"),))


async def test_a_notice_on_a_worker_thread_reaches_the_bell_group(redis_server: Redis) -> None:
    with override_settings(CHANNEL_LAYERS=channel_layers(redis_server.url)):
        await _relayed()


async def _relayed() -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add(BELL_GROUP, channel)
    try:
        await asyncio.to_thread(relay, NOTICE)
        message = await asyncio.wait_for(layer.receive(channel), timeout=30)
        assert message == {"type": BELL_RANG, "origin": REPLICA}
        assert rang_here(message)  # the sender's own consumers skip it
        assert not rang_here({**message, "origin": "another-replica"})
    finally:
        await layer.group_discard(BELL_GROUP, channel)
        await layer.close_pools()
