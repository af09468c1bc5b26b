"""Per-user token buckets for the API.

Why: one script in a loop must not starve the operators' pages. The buckets live in the
process (each replica limits on its own), which bounds the load per replica.
"""

from __future__ import annotations

import os
import threading
import time


class RateLimiter:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed; otherwise the seconds to wait before retrying."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            return (1 - tokens) / self.rate


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


api_limiter = RateLimiter(
    rate=_float("CRSCOPE_API_RATE", 50.0), burst=_float("CRSCOPE_API_BURST", 200.0)
)
