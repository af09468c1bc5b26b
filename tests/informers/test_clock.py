"""The clocks: the system one waits for real but wakes on stop; the fake one never waits.

Why: every engine test on virtual time trusts ``FakeClock`` to mean what ``SystemClock``
means; this pins the shared contract of ``wait``.
"""

from __future__ import annotations

import threading
import time

import pytest

from informers.clock import SystemClock
from informers.testing import FakeClock


@pytest.mark.parametrize("clock", [SystemClock(), FakeClock()], ids=["system", "fake"])
def test_a_wait_returns_at_once_and_says_so_when_stop_is_already_set(
    clock: SystemClock | FakeClock,
) -> None:
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    assert clock.wait(stop, 3600.0) is True
    assert time.monotonic() - started < 60, "a stopped wait does not sleep"


def test_the_system_clock_wakes_a_long_wait_when_stop_is_set() -> None:
    stop = threading.Event()
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(SystemClock().wait(stop, 3600.0)))
    waiter.start()
    stop.set()
    waiter.join(60)
    assert result == [True]


def test_the_fake_clock_advances_by_each_wait_and_records_it() -> None:
    clock = FakeClock(monotonic=10.0, wall=1000.0)
    stop = threading.Event()
    assert clock.wait(stop, 2.5) is False
    clock.advance(1.5)
    assert clock.wait(stop, 7.0) is False
    assert clock.waits == [2.5, 7.0]
    assert clock.monotonic() == 21.0 and clock.time() == 1011.0
