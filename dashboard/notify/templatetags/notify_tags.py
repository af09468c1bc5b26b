"""Template filters for notification pages: epoch seconds as readable times."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django import template

register = template.Library()


@register.filter
def epoch_iso(value: float | None) -> str:
    """``2024-05-01T10:00:00Z`` for a ``datetime`` attribute; empty for no value."""
    if value is None:
        return ""
    return datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.filter
def ago(value: float | None) -> str:
    """A short relative time ("12s ago", "in 3m") for tables that refresh."""
    if value is None:
        return ""
    delta = time.time() - float(value)
    text = _span(abs(delta))
    return f"{text} ago" if delta >= 0 else f"in {text}"


def _span(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"
