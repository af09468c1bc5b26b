"""The one hop from another thread (the engine's, the outbox worker's) to an event loop.

Why one function: the live pages, the watch stream and the notification bell are woken
from threads that are not their loop's. ``asyncio`` allows only ``call_soon_threadsafe``
for that, and it raises RuntimeError once the loop has closed — which is normal here,
since a socket or stream may end while a change is on its way. Each of the three wrote
that hop and its "closed is fine" rule on its own; they now call :func:`call_on_loop`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


def call_on_loop(loop: asyncio.AbstractEventLoop, callback: Callable[[], object]) -> None:
    """Schedule ``callback`` on ``loop`` from any thread; nothing when the loop has closed
    (its socket or stream is gone, so there is nobody left to wake)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback)
