"""What a live view is: a model that can render itself whole, or render what changed.

Why state-based feeds: a feed keeps what its browser shows (row keys and versions, section
versions) and, after any batch of changes, recomputes its view from the store and sends
the difference. Changes only say *when* to look, so coalescing, pausing, a slow client or
a dropped batch can never leave the browser wrong: the next look repairs it.

Feeds run in a worker thread (they sort, render and may query the database); the
consumer serialises calls, so a feed needs no locking of its own.
"""

from __future__ import annotations

from dashboard.core.auth.viewer import Viewer
from informers import Change, Engine


class SpecError(ValueError):
    """The page asked for something this server cannot show it (bad kind, bad params)."""

    def __init__(self, message: str, code: int = 4400) -> None:
        super().__init__(message)
        self.code = code


class Feed:
    #: seconds between time-based re-checks (stuck flags, sync progress, sparklines)
    tick_every = 5.0

    def __init__(self, engine: Engine, viewer: Viewer) -> None:
        self.engine = engine
        self.viewer = viewer

    def predicate(self, change: Change) -> bool:
        """Called on an engine thread for every change: must be cheap and never block."""
        return False

    def note(self, changes: list[Change]) -> None:
        """The changes of this batch that matched some feed (mostly ignored: see above)."""

    def refresh_access(self) -> None:
        """Re-read what the viewer may see (may call SubjectAccessReview: worker thread)."""

    def full(self) -> list[str]:
        """Every live region, for a (re)connect or after an overflow."""
        return []

    def update(self) -> list[str]:
        """Only what differs from what the browser was last sent."""
        return []

    def followup(self) -> bool:
        """True when the feed expects more soon (history rows still being written)."""
        return False
