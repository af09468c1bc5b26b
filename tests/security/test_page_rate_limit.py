"""Pages have a per-user rate limit too: a burst, then a 429 page that says when to retry.

In process, like the API's limit test: the middleware decides before any view runs, so
the page behind it (no engine here) does not matter. One bucket implementation serves
both (dashboard.core.web.ratelimit); pages have their own budget, so an API script does not
lock its user out of the UI.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dashboard.core.auth import authn
from dashboard.core.web.ratelimit import RateLimiter


def test_pages_answer_a_429_page_with_retry_after_once_the_burst_is_spent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(authn, "page_limiter", RateLimiter(rate=0.01, burst=3.0))
    monkeypatch.setattr(authn, "api_limiter", RateLimiter(rate=0.01, burst=100.0))
    client = Client(REMOTE_ADDR="127.0.0.1")
    first = [client.get("/k/demo.crscope.dev/widgets/").status_code for _ in range(3)]
    assert 429 not in first
    limited = client.get("/")
    assert limited.status_code == 429
    assert limited["Content-Type"].startswith("text/html")
    text = limited.content.decode()
    assert "Too many requests" in text
    assert "Rate limit exceeded" in text
    assert 50 <= int(limited["Retry-After"]) <= 100
    assert f"Try again in {limited['Retry-After']} seconds" in text
    # The API has its own budget; open paths are never limited.
    assert client.get("/api/v1/resources").status_code != 429
    assert client.get("/healthz").status_code == 200
    assert client.get("/signin").status_code == 200
