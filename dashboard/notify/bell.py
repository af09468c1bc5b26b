"""The bell: the one part of notifications the UI's live connection uses.

Why a module of its own: the UI and the notifications app are independent (an
import-linter contract); the UI's consumer may import this module and nothing else of
notify.

How a new in-app notification reaches every open page, on every replica. The outbox
worker of whichever replica claims the delivery records it and calls
``inbox.announce`` on its thread. Two listeners hear it there:

- ``BellPush``, one per socket of this process: it only schedules ``on_change`` on the
  socket's event loop (``call_on_loop``), so this replica's pages ring at once;
- ``relay`` (attached by ``dashboard.wiring``): one message to the channel-layer group
  ``BELL_GROUP``, which every live socket on every replica joins. It carries this
  process's ``REPLICA`` id, and a consumer skips a message that ``rang_here``, since
  ``BellPush`` pushed those sockets already.

Either way the consumer then renders ``bell_for(viewer, oob=True)`` in a worker thread
(the count differs per viewer and reads the database) and sends it as an htmx
out-of-band swap. Why not the group alone: channels' in-memory layer is asyncio-based and
not safe to call from the worker thread, and a single process needs no layer; so the
relay only speaks on a layer that spans processes (Redis), and ``BellPush`` stays the
immediate local path.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.template.loader import render_to_string

from dashboard.core.auth.viewer import Viewer
from dashboard.core.runtime.loophop import call_on_loop
from dashboard.notify import inbox
from dashboard.notify.inbox import Notice, on_notification, remove_listener

#: The channel-layer group of every live socket, on every replica.
BELL_GROUP = "crscope.bell"
#: The group message's type: channels calls the consumer's ``bell_rang`` method.
BELL_RANG = "bell.rang"
#: This process, as the origin of the group messages it sends.
REPLICA = uuid.uuid4().hex


class BellPush:
    def __init__(self, loop: asyncio.AbstractEventLoop, on_change: Callable[[], None]) -> None:
        self._loop = loop
        self._on_change = on_change
        on_notification(self._notice)

    def _notice(self, notice: Notice) -> None:
        call_on_loop(self._loop, self._on_change)

    def close(self) -> None:
        remove_listener(self._notice)


def relay(notice: Notice) -> None:
    """Tell the other replicas' sockets (an ``on_notification`` listener: worker thread).

    Nothing on the in-memory layer: it reaches only this process, whose sockets
    ``BellPush`` has told, and it must not be called from this thread."""
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return
    async_to_sync(layer.group_send)(BELL_GROUP, {"type": BELL_RANG, "origin": REPLICA})


def rang_here(event: Mapping[str, Any]) -> bool:
    """Whether a ``BELL_RANG`` message came from this process (already pushed locally)."""
    return event.get("origin") == REPLICA


def bell_html(count: int, *, oob: bool = False) -> str:
    """The bell fragment; ``oob=True`` for an htmx out-of-band swap pushed over WebSocket."""
    return render_to_string(
        "notify/bell.html",
        {"unread": count, "unread_text": inbox.count_text(count), "oob": oob},
    )


def bell_for(viewer: Viewer, *, oob: bool = False) -> str:
    return bell_html(inbox.unread_count(viewer), oob=oob)
