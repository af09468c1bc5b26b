"""Kubernetes timestamps to epoch seconds: valid ones exact, junk to None, never a raise.

Why: ``informers.timestamps.parse_time`` reads times written by any controller; the
stuck timer, the timeline and Events all trust it to degrade to "unknown" on junk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from informers.timestamps import parse_time


def _epoch(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05Z", _epoch(2024, 1, 2, 3, 4, 5)),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2024-01-02t03:04:05Z", _epoch(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02 03:04:05Z", _epoch(2024, 1, 2, 3, 4, 5)),
        ("2024-12-31T23:59:59Z", _epoch(2024, 12, 31, 23, 59, 59)),
        # Fractions and the zone suffix are ignored (Kubernetes writes UTC).
        ("2024-01-02T03:04:05.999999Z", _epoch(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05", _epoch(2024, 1, 2, 3, 4, 5)),
    ],
)
def test_a_kubernetes_timestamp_is_read_as_utc_seconds(value: str, expected: float) -> None:
    result = parse_time(value)
    assert result == expected
    assert isinstance(result, float)


def test_a_leap_second_is_accepted_as_the_next_second() -> None:
    assert parse_time("2016-12-31T23:59:60Z") == _epoch(2017, 1, 1, 0, 0, 0)


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        1704164645,
        1704164645.0,
        b"2024-01-02T03:04:05Z",
        ["2024-01-02T03:04:05Z"],
        "",
        "2024-01-02",
        "2024-01-02T03:04:0",
        "2024/01/02T03:04:05Z",
        "2024-01-02X03:04:05Z",
        "yyyy-01-02T03:04:05Z",
        "2024-mm-02T03:04:05Z",
        "2024-01-ddT03:04:05Z",
        "2024-01-02Thh:04:05Z",
        "2024-01-02T03:mm:05Z",
        "2024-01-02T03:04:ssZ",
        "2024-00-02T03:04:05Z",
        "2024-13-02T03:04:05Z",
        "2024-01-00T03:04:05Z",
        "2024-01-32T03:04:05Z",
        "2024-01-02T24:04:05Z",
        "2024-01-02T03:60:05Z",
        "2024-01-02T03:04:61Z",
        "never",
    ],
)
def test_junk_is_none_and_never_raises(value: Any) -> None:
    assert parse_time(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-02T-3:04:05Z",
        "2024-01-02T03:-4:05Z",
        "2024-01-02T03:04:-5Z",
        "2024-01-02T 3:04:05Z",
    ],
)
def test_a_signed_or_padded_time_field_is_refused(value: str) -> None:
    """``int`` reads "-3" and " 3"; neither is a Kubernetes time."""
    assert parse_time(value) is None
