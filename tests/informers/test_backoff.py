"""Backoff: doubling up to a cap, bounded jitter, and a reset after a healthy stretch.

Why in-process: the reset is about time, and ``FakeClock`` makes two minutes of health
take no time at all.
"""

from __future__ import annotations

import random

from informers.backoff import Backoff
from informers.testing import FakeClock


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(initial=1.0, cap=5.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_only_lengthens_a_delay_and_by_at_most_its_share() -> None:
    backoff = Backoff(initial=1.0, cap=1.0, jitter=0.5, _rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(200)]
    assert all(1.0 <= d <= 1.5 for d in delays)
    assert len(set(delays)) > 100, "jitter spreads reconnects apart"


def test_the_delay_starts_over_only_after_reset_after_seconds_of_health() -> None:
    clock = FakeClock()
    backoff = Backoff(initial=1.0, jitter=0.0, reset_after=120.0, clock=clock)
    backoff.next_delay()
    backoff.next_delay()
    backoff.healthy()
    clock.advance(119.0)
    backoff.healthy()
    assert backoff.next_delay() == 4.0, "119 s of health is not enough"

    backoff.healthy()
    clock.advance(120.0)
    backoff.healthy()
    assert backoff.next_delay() == 1.0


def test_a_failure_restarts_the_healthy_stretch() -> None:
    clock = FakeClock()
    backoff = Backoff(initial=1.0, jitter=0.0, reset_after=120.0, clock=clock)
    backoff.next_delay()
    backoff.healthy()
    clock.advance(100.0)
    backoff.next_delay()  # a failure in between: the stretch starts again
    backoff.healthy()
    clock.advance(100.0)
    backoff.healthy()
    assert backoff.next_delay() == 4.0
