"""``/metrics`` counts API responses by status, so an error-rate alert has something to read."""

from __future__ import annotations

import re

from tests.dashboard.api.client import Api


def _count(metrics: str, status: str) -> float:
    match = re.search(rf'^crscope_api_requests_total\{{status="{status}"\}} (\S+)$', metrics, re.M)
    return float(match.group(1)) if match else 0.0


def test_api_responses_are_counted_by_status(api: Api) -> None:
    before = api.get("/metrics").text
    assert api.get("/api/v1/resources").status_code == 200
    assert api.get("/api/v1/no-such-endpoint").status_code == 404
    after = api.get("/metrics").text
    assert _count(after, "200") >= _count(before, "200") + 1
    assert _count(after, "404") >= _count(before, "404") + 1
