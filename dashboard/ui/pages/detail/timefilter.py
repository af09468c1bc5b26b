"""What an object's timeline is narrowed to: a time window, one part, one field manager.

Why its own module: the page, "Load older" and the live feed must narrow the same way, or
a pushed revision would appear in a view that excludes it; all three parse the same URL
parameters here. The parts follow the changed paths each revision recorded: a revision
belongs to "spec" when one of its paths is under ``/spec``, and so on; creations and
deletions belong to every part, since they change all of it. A modification that changed
nothing but noise (heartbeat timestamps; the diff records no path for it) belongs to no
part: it shows in the whole timeline, folded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dashboard.core.listing.query import QueryError

WINDOWS = {"15m": 900.0, "1h": 3600.0, "6h": 21600.0, "24h": 86400.0, "7d": 604800.0}
PARTS = ("spec", "status", "metadata", "events")
MAX_MANAGER = 128


@dataclass(frozen=True)
class TimelineFilter:
    window: str = ""
    part: str = ""
    manager: str = ""
    collapse: bool = True

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> TimelineFilter:
        """Raises QueryError (naming the parameter) for a value the form never sends."""

        def last(name: str) -> str:
            values = list(params.get(name) or [""])
            return values[-1].strip()

        window, part, manager = last("window"), last("changes"), last("manager")
        if window and window not in WINDOWS:
            raise QueryError("window", f"expected one of {', '.join(WINDOWS)}")
        if part and part not in PARTS:
            raise QueryError("changes", f"expected one of {', '.join(PARTS)}")
        if len(manager) > MAX_MANAGER:
            raise QueryError("manager", f"longer than {MAX_MANAGER} characters")
        return cls(window=window, part=part, manager=manager, collapse=last("collapse") != "0")

    @property
    def narrows(self) -> bool:
        """True when some revisions may be left out (the window, a part or a manager)."""
        return bool(self.window or self.part or self.manager)

    @property
    def shows_events(self) -> bool:
        """Events have no changed paths or manager: shown unless a part or manager is."""
        return self.part in ("", "events") and not self.manager

    @property
    def shows_revisions(self) -> bool:
        return self.part != "events"

    def since(self, now: float | None = None) -> float | None:
        if not self.window:
            return None
        return (time.time() if now is None else now) - WINDOWS[self.window]

    def keeps(self, type_: str, changed_paths: Iterable[str], managers: Iterable[str]) -> bool:
        """Whether a revision with these facts is in the view (the window aside)."""
        if self.manager and self.manager not in managers:
            return False
        if self.part in ("spec", "status", "metadata") and type_ == "MODIFIED":
            prefix = f"/{self.part}"
            return any(p == prefix or p.startswith(prefix + "/") for p in changed_paths)
        return True

    def params(self) -> dict[str, str]:
        """The URL parameters that give this filter back (nothing for the default)."""
        found = {"window": self.window, "changes": self.part, "manager": self.manager}
        result = {k: v for k, v in found.items() if v}
        if not self.collapse:
            result["collapse"] = "0"
        return result

    @property
    def signature(self) -> str:
        """For continue tokens: a page of one view cannot be continued in another."""
        return f"{self.window}|{self.part}|{self.manager}"
