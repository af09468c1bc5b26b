"""Token buckets: per user for the API and for pages, per client address for failed
authentications, per destination for notifications.

Why: one script in a loop must not starve the operators' pages, and nobody may make us
send TokenReviews as fast as they can send requests. The buckets live in the process
(each replica limits on its own), which bounds the load per replica.
"""

from __future__ import annotations

import sys
import threading
import time

from django.conf import settings

MAX_BUCKETS = 100_000


class RateLimiter:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def waiting(self, key: str, now: float | None = None) -> float:
        """Like :meth:`take`, but only looks: 0 when a token is there to take."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._level(key, now)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def available(self, key: str, now: float | None = None) -> int:
        """Whole tokens in ``key``'s bucket: how many takes would be allowed right now."""
        if self.rate <= 0:
            return sys.maxsize
        now = time.monotonic() if now is None else now
        with self._lock:
            return int(self._level(key, now))

    def _level(self, key: str, now: float) -> float:
        """Tokens in ``key``'s bucket at ``now``, refilled since its last use (lock held)."""
        tokens, last = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed; otherwise the seconds to wait before retrying."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._level(key, now)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._prune(now)
        return 0.0 if allowed else (1 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Forget full buckets (the same as no bucket), then the longest idle ones; never
        all at once, which would hand everyone who is being limited a fresh burst."""
        self._buckets = {
            key: (tokens, last)
            for key, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate < self.burst
        }
        if len(self._buckets) > MAX_BUCKETS:
            recent = sorted(self._buckets.items(), key=lambda item: item[1][1])
            self._buckets = dict(recent[len(recent) - MAX_BUCKETS // 2 :])


api_limiter = RateLimiter(rate=settings.CRSCOPE_API_RATE, burst=settings.CRSCOPE_API_BURST)
#: HTML pages and their htmx fragments, per user: a page view costs one to a few.
page_limiter = RateLimiter(rate=settings.CRSCOPE_PAGE_RATE, burst=settings.CRSCOPE_PAGE_BURST)
#: Failed authentications (each one cost a TokenReview), per client address.
auth_failure_limiter = RateLimiter(
    rate=settings.CRSCOPE_AUTH_FAILURE_RATE, burst=settings.CRSCOPE_AUTH_FAILURE_BURST
)
#: Health rule tester runs, per user: each may evaluate thousands of objects twice, so a
#: script may not keep a core busy with them (a person editing a rule is far slower).
rule_test_limiter = RateLimiter(
    rate=settings.CRSCOPE_RULE_TEST_RATE, burst=settings.CRSCOPE_RULE_TEST_BURST
)
