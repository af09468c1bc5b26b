"""Time as a seam: the reflector and its backoff ask a clock, never the ``time`` module.

Why: the reflector's rules are about time (wait out Retry-After, back off with growing
delays, forget the backoff after a healthy stretch). With the clock injected, a test can
run those rules on virtual time (``informers.testing.FakeClock``) in milliseconds and
assert the exact waits, instead of sleeping for real or needing an apiserver that
misbehaves on cue; kopf tests its watchers the same way.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Monotonic time for intervals, wall time for what people read, and a stoppable wait."""

    def monotonic(self) -> float: ...
    def time(self) -> float: ...
    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; True if it was set."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.time`` and ``Event.wait``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(seconds)


SYSTEM_CLOCK = SystemClock()
