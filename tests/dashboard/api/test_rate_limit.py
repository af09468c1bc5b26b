"""The API's per-user rate limit: a burst, then 429 with Retry-After; pages are not limited.

Why in process, without a cluster: the limit is decided by the authentication middleware
before any view runs, so the answer of the view behind it (here 503, no engine) does not
matter; what matters is that the 429 comes, says when to retry, and refills with time.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dashboard.core.auth import authn
from dashboard.core.web.ratelimit import RateLimiter


def test_the_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    limiter = RateLimiter(rate=2.0, burst=3.0)
    assert [limiter.take("alice", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("alice", now=100.0) == pytest.approx(0.5)
    assert limiter.take("bob", now=100.0) == 0.0  # each user has a bucket of their own
    assert limiter.take("alice", now=100.5) == 0.0  # one token back after 1/rate seconds
    assert limiter.take("alice", now=100.5) > 0
    assert RateLimiter(rate=0, burst=0).take("anyone") == 0.0  # rate 0 switches it off


def test_available_counts_whole_tokens_without_taking_one() -> None:
    """What the notification worker asks before it sends (a destination's rate_limit)."""
    limiter = RateLimiter(rate=2.0, burst=3.0)
    assert limiter.available("hook", now=100.0) == 3
    limiter.take("hook", now=100.0)
    limiter.take("hook", now=100.0)
    assert limiter.available("hook", now=100.0) == 1
    assert limiter.available("hook", now=100.0) == 1  # looking takes nothing
    assert limiter.available("hook", now=100.25) == 1  # half a token back: still one
    assert limiter.available("hook", now=101.0) == 3  # full again, never above the burst


def test_api_answers_429_with_retry_after_once_the_burst_is_spent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(authn, "api_limiter", RateLimiter(rate=0.01, burst=2.0))
    client = Client(REMOTE_ADDR="127.0.0.1")
    first = [client.get("/api/v1/resources").status_code for _ in range(2)]
    assert 429 not in first
    limited = client.get("/api/v1/resources")
    assert limited.status_code == 429
    assert limited["Content-Type"].startswith("application/problem+json")
    assert limited.json()["status"] == 429
    # One token takes 100 s at 0.01/s; the time the requests took is what is left off.
    assert 50 <= int(limited["Retry-After"]) <= 100
    assert client.get("/healthz").status_code != 429  # open paths are never limited
