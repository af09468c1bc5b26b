"""Kubernetes RFC 3339 timestamps to epoch seconds, without raising on junk.

Why: statuses, Events and conditions all carry timestamps written by arbitrary
controllers; a malformed one must degrade to "unknown", never to an exception.
"""

from __future__ import annotations

import calendar
from typing import Any


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch for ``2024-01-02T03:04:05Z`` (fractions ignored), else None."""
    if not isinstance(value, str) or len(value) < 19 or value[4] != "-" or value[10] not in "Tt ":
        return None
    # Slicing integers is ~20x cheaper than time.strptime, which dominated bulk loads.
    # Every field, not just the date: int() also reads "-3" and " 3", which would shift
    # a time by hours instead of refusing it.
    if not (
        value[0:4].isdigit()
        and value[5:7].isdigit()
        and value[8:10].isdigit()
        and value[11:13].isdigit()
        and value[14:16].isdigit()
        and value[17:19].isdigit()
    ):
        return None
    try:
        parts = (
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
        )
    except ValueError:
        return None
    _, month, day, hour, minute, second = parts
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    return float(calendar.timegm((*parts, 0, 0, 0)))
