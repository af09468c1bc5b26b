"""The address of a page's live WebSocket feed (``/ws/live/?view=...``).

Why in core: every page in the UI's frame opens the same socket, including pages of other
apps (the notifications page keeps the rail and the bell live); they build its address
here rather than importing the UI app. ``dashboard.ui.routing`` serves ``LIVE_PATH``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

LIVE_PATH = "/ws/live/"


def live_url(view: str, **params: Any) -> str:
    pairs: list[tuple[str, str]] = [("view", view)]
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            pairs += [(key, str(v)) for v in value]
        elif value is not None:
            pairs.append((key, str(value)))
    return f"{LIVE_PATH}?{urlencode(pairs)}"
