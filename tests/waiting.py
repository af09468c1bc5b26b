"""Waiting for a condition in a test, with a bound: the suite's one polling loop.

Why one: the suite must pass on a loaded 2-core machine, so no test sleeps for a fixed
time; each waits for what it needs, up to a generous bound. The loop was written four
times, with different intervals and messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, TypeVar

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T | Literal[False] | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until it returns something truthy, and return that; fail with
    ``what`` after ``timeout`` seconds. A probe says "not yet" with None or False."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(interval)


def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float,
    interval: float = 0.02,
    message: str = "condition",
) -> None:
    """``wait_for`` for a predicate whose value does not matter."""
    wait_for(lambda: bool(predicate()), timeout=timeout, interval=interval, what=message)
