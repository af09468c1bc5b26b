"""The Redis channel layer keeps a quiet consumer listening.

Why: channels_redis waits for a consumer's next message in a blocking ``BZPOPMIN`` of
``brpop_timeout`` (5 s), then asks again. redis-py 8 gives every socket a 5 s read
timeout by default, so the read gave up just as Redis answered "nothing yet", and every
live socket on a Redis-backed replica died after five quiet seconds.
"""

from __future__ import annotations

import asyncio

import pytest
from channels_redis.core import RedisChannelLayer

from dashboard.settings import channel_layers
from tests.services import Redis

pytestmark = pytest.mark.services


async def test_a_quiet_receive_keeps_waiting_and_then_gets_its_message(
    redis_server: Redis,
) -> None:
    config = channel_layers(redis_server.url)["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(**config["CONFIG"])
    try:
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        done, _ = await asyncio.wait({waiting}, timeout=2.5 * RedisChannelLayer.brpop_timeout)
        assert not done, f"receive ended on a quiet channel: {waiting.exception()!r}"
        await layer.send(channel, {"type": "still.here"})
        message = await asyncio.wait_for(waiting, timeout=30)
        assert message == {"type": "still.here"}
    finally:
        await layer.close_pools()
