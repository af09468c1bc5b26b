"""Every problem+json answer names its ``type`` in the one documented scheme.

Why: the API documents ``urn:crscope:problem:<slug>`` (OpenAPI, ``error_responses``), and
a client branches on it. Answers given before a view runs (the authentication and rate
limit middleware, the request size limits) used to say ``about:blank`` instead, so the
same 401 or 429 had two types depending on which layer refused it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from django.test import RequestFactory

from dashboard.core.auth import authn
from dashboard.core.web import dbunavailable, limits
from dashboard.core.web.apierror import ApiProblem
from dashboard.core.web.limits import MAX_URL_BYTES, RequestLimits

PREFIX = "urn:crscope:problem:"


def _body(content: bytes) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(content)
    assert body["type"].startswith(PREFIX), body
    return body


def test_the_rate_limit_answers_the_api_with_the_views_type() -> None:
    request = RequestFactory().get("/api/v1/resources")
    response = authn.too_many(request, True, "rate limit exceeded; retry in 3.0s", 3)
    assert response.status_code == 429
    body = _body(response.content)
    assert body["type"] == ApiProblem(429, "x", slug="rate-limited").body()["type"]
    assert (body["title"], body["status"]) == ("Too Many Requests", 429)


def test_an_overlong_api_url_is_a_problem_of_the_documented_scheme() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def never(*_: Any) -> None:
        raise AssertionError("the request must not reach the application")

    scope = {"type": "http", "path": "/api/v1/resources", "query_string": b"q=" * MAX_URL_BYTES}
    asyncio.run(RequestLimits(never)(scope, never, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 414
    assert _body(sent[1]["body"])["status"] == 414
    assert limits.MAX_URL_BYTES == MAX_URL_BYTES


def test_the_database_503_keeps_its_documented_type() -> None:
    response = dbunavailable.unavailable_response(api=True)
    assert _body(response.content)["type"] == PREFIX + "database-unavailable"
