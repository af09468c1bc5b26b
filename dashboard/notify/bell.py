"""The bell: the one part of notifications the UI's live connection uses.

Why a module of its own: the UI and the notifications app are independent (an
import-linter contract); the UI's consumer may import this module and nothing else of
notify. In-app notifications are announced on the outbox worker thread, while a consumer
lives on the event loop. ``BellPush`` registers an ``on_notification`` listener that only
schedules ``on_change`` on the consumer's loop; the consumer then renders
``bell_for(viewer, oob=True)`` in a worker thread (it reads the database) and sends it as
an htmx out-of-band swap. ``close()`` on disconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from django.template.loader import render_to_string

from dashboard.core.access import Viewer
from dashboard.core.loophop import call_on_loop
from dashboard.notify import inbox
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


def bell_html(count: int, *, oob: bool = False) -> str:
    """The bell fragment; ``oob=True`` for an htmx out-of-band swap pushed over WebSocket."""
    return render_to_string(
        "notify/bell.html",
        {"unread": count, "unread_text": inbox.count_text(count), "oob": oob},
    )


def bell_for(viewer: Viewer, *, oob: bool = False) -> str:
    return bell_html(inbox.unread_count(viewer), oob=oob)
