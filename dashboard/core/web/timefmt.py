"""Human durations and timestamps, shared by templates, live fragments and payloads.

Why server-side text at all when the browser re-formats ``<time data-rel>`` every few
seconds: the first paint (and a page read without JavaScript) must already say "5m ago".
The browser only keeps it fresh, so cached fragments never go stale for long.

Why in core: the UI pages, the notification pages and the notification payloads all
format epochs; each had its own formatter once, and their "12m ago" texts disagreed.
"""

from __future__ import annotations

import datetime as dt
import time


def compact_duration(seconds: float) -> str:
    """``45s``, ``12m``, ``3h 4m``, ``2d 5h``: short, and exact enough to triage by."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def relative(epoch: float, now: float | None = None) -> str:
    """``12m ago`` for the past, ``in 3m`` for the future (a retry that is due)."""
    delta = since(epoch, now)
    text = compact_duration(abs(delta))
    return f"{text} ago" if delta >= 0 else f"in {text}"


def iso(epoch: float) -> str:
    """RFC 3339 in UTC to the second, for ``<time datetime>``: ``2024-05-01T10:00:00Z``."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_precise(epoch: float) -> str:
    """RFC 3339 in UTC with the fraction the epoch has, for machine readers (payloads)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat().replace("+00:00", "Z")


def absolute(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def since(epoch: float, now: float | None = None) -> float:
    return (time.time() if now is None else now) - epoch
