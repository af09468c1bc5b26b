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


def test_api_responses_say_how_long_the_server_took(api: Api) -> None:
    """``Server-Timing`` on every API answer, errors too, and the same time in a histogram:
    a slow page can then be told apart from a slow network or a queue in front."""

    def observed(metrics: str) -> float:
        match = re.search(r"^crscope_api_request_seconds_count (\S+)$", metrics, re.M)
        return float(match.group(1)) if match else 0.0

    before = observed(api.get("/metrics").text)
    for path in ("/api/v1/resources", "/api/v1/no-such-endpoint"):
        timing = api.get(path).headers.get("Server-Timing", "")
        match = re.fullmatch(r"app;dur=(\d+\.\d\d)", timing)
        assert match, f"{path}: Server-Timing {timing!r}"
        assert 0 < float(match.group(1)) < 60_000
    assert observed(api.get("/metrics").text) >= before + 2
    assert "Server-Timing" not in api.get("/readyz").headers  # API answers only
