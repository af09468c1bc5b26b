"""Exponential backoff with jitter, reset after a stable period.

Why: when an apiserver restarts, every informer reconnects at once; jitter spreads them,
the cap keeps recovery under half a minute, and the reset means one hiccup after hours
of healthy streaming does not inherit a long delay. The reset is measured on an injected
clock (``informers.clock``) so tests can run it on virtual time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from informers.clock import SYSTEM_CLOCK, Clock


@dataclass
class Backoff:
    initial: float = 0.8
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5
    reset_after: float = 120.0
    clock: Clock = SYSTEM_CLOCK
    _current: float = 0.0
    _healthy_since: float | None = None
    _rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        """The delay before the next attempt; each call doubles the base up to the cap."""
        self._healthy_since = None
        self._current = (
            self.initial if self._current == 0 else min(self.cap, self._current * self.factor)
        )
        return self._current * (1 + self._rng.random() * self.jitter)

    def healthy(self, now: float | None = None) -> None:
        """Report progress; after ``reset_after`` seconds of it the delay starts over."""
        now = self.clock.monotonic() if now is None else now
        if self._healthy_since is None:
            self._healthy_since = now
        elif now - self._healthy_since >= self.reset_after:
            self._current = 0.0

    def reset(self) -> None:
        self._current = 0.0
        self._healthy_since = None
