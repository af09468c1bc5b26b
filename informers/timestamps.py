"""Kubernetes RFC 3339 timestamps to epoch seconds, without raising on junk.

Why: statuses, Events and conditions all carry timestamps written by arbitrary
controllers; a malformed one must degrade to "unknown", never to an exception.
"""

from __future__ import annotations

import calendar
import time
from typing import Any


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch for ``2024-01-02T03:04:05Z`` (fractions ignored), else None."""
    if not isinstance(value, str) or len(value) < 19:
        return None
    try:
        return float(calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None
