"""What a page's live sockets received, for journeys that must know the feed has spoken.

Why frames and not the DOM: under churn the ``#live-meta`` marker of one message is
replaced by the next within milliseconds, too fast to be seen by polling the page.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page, WebSocket


class LiveFrames:
    """The messages each of the page's live sockets received, as the browser got them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sockets: list[list[str]] = []
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        frames: list[str] = []
        self.sockets.append(frames)

        def received(payload: str | bytes) -> None:
            frames.append(payload if isinstance(payload, str) else payload.decode())

        socket.on("framereceived", received)

    def mark(self) -> int:
        """A point in time: sockets opened after it are counted by ``wait_full_refresh``."""
        return len(self.sockets)

    def wait_full_refresh(self, since: int, *, updates: int = 1, timeout: float = 30.0) -> None:
        """Wait until a socket opened after ``since`` sent its full render (the first message
        after a connect) and ``updates`` more messages, so the feed has had its say."""
        deadline = time.monotonic() + timeout
        while not any(self._full_then(frames, updates) for frames in self.sockets[since:]):
            if time.monotonic() > deadline:
                raise AssertionError(f"no full render and {updates} update(s) in {timeout} s")
            self.page.wait_for_timeout(50)  # polling interval of a bounded wait

    @staticmethod
    def _full_then(frames: list[str], updates: int) -> bool:
        full = [i for i, text in enumerate(frames) if 'data-resync="1"' in text]
        return bool(full) and len(frames) > full[0] + updates
