"""A bell message on the channel layer pushes the viewer's bell, unless this process sent it.

Why: another replica's in-app notification reaches this replica's sockets only through
the channel-layer group; one recorded here has already been pushed by ``BellPush``, so
its echo from the group must not push the bell a second time.
"""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer

from dashboard.notify.bell import BELL_GROUP, BELL_RANG, REPLICA
from informers import Engine
from tests.dashboard.ui.conftest import Live

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
