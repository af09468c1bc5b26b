"""Bell updates for a WebSocket connection: a thread-safe hop from the worker to the loop.

Why a helper: in-app notifications are announced on the outbox worker thread, while a
consumer lives on the event loop. ``BellPush`` registers an ``on_notification`` listener
that only schedules ``on_change`` on the consumer's loop; the consumer then renders
``views.bell_for(viewer, oob=True)`` in a worker thread (it reads the database) and sends
it as an htmx out-of-band swap. ``close()`` on disconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dashboard.core.loophop import call_on_loop
from dashboard.notify.inbox import Notice, on_notification, remove_listener


class BellPush:
    def __init__(self, loop: asyncio.AbstractEventLoop, on_change: Callable[[], None]) -> None:
        self._loop = loop
        self._on_change = on_change
        on_notification(self._notice)

    def _notice(self, notice: Notice) -> None:
        call_on_loop(self._loop, self._on_change)

    def close(self) -> None:
        remove_listener(self._notice)
