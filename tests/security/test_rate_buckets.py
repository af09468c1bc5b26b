"""The bucket store stays bounded without handing the limited a fresh burst.

The old store cleared every bucket once it held 100,000: a flood of new keys (client
addresses, for failed authentications) reset the limit of everyone being limited.
"""

from __future__ import annotations

import pytest

from dashboard.core.web import ratelimit
from dashboard.core.web.ratelimit import RateLimiter


def test_a_full_store_drops_idle_buckets_and_keeps_the_limited_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "MAX_BUCKETS", 10)
    limiter = RateLimiter(rate=0.001, burst=1)
    assert limiter.take("guesser", now=0) == 0
    for i in range(8):
        limiter.take(f"old-{i}", now=1)  # idle from now on
    assert limiter.take("guesser", now=2) > 0  # limited, and still trying
    for i in range(6):
        limiter.take(f"new-{i}", now=3)  # passes the bound: a prune
    assert len(limiter._buckets) <= 10
    assert limiter.take("guesser", now=4) > 0  # still limited after the prune


def test_full_buckets_are_dropped_first() -> None:
    limiter = RateLimiter(rate=1.0, burst=2)
    limiter.take("a", now=0)
    limiter._prune(now=100)  # "a" refilled long ago: the same as no bucket
    assert "a" not in limiter._buckets
