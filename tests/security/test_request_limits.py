"""Oversized requests get the status that names the problem: 413 for bodies, 414 for URLs."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from devkit.dashboard_server import DashboardServer

pytestmark = pytest.mark.cluster

MIB = 1024 * 1024


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/notifications/rules/test", "application/json"),
        ("/signin", "application/x-www-form-urlencoded"),
        ("/", "application/octet-stream"),
    ],
)
def test_body_over_one_mib_is_413(dashboard: DashboardServer, path: str, content_type: str) -> None:
    body = b'{"x": "' + b"a" * (MIB + 10) + b'"}'
    response = requests.post(
        dashboard.url + path,
        data=body,
        headers={"Content-Type": content_type, "Origin": dashboard.url},
        timeout=60,
    )
    assert response.status_code == 413, response.text[:300]
    assert "Traceback" not in response.text


def test_chunked_body_over_one_mib_is_413(dashboard: DashboardServer) -> None:
    """No Content-Length to look at: the limit applies to what arrives."""

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"a" * (128 * 1024)

    response = requests.post(
        dashboard.url + "/api/v1/notifications/rules/test",
        data=chunks(),
        headers={"Content-Type": "application/json", "Origin": dashboard.url},
        timeout=60,
    )
    assert response.status_code == 413, response.text[:300]


def test_body_under_the_limit_is_served(dashboard: DashboardServer) -> None:
    response = requests.post(
        dashboard.url + "/api/v1/notifications/rules/test",
        json={"kind": "x" * 1000},
        headers={"Origin": dashboard.url},
        timeout=60,
    )
    assert response.status_code in (200, 400), response.text[:300]


@pytest.mark.parametrize("length", [9_000, 15_000, 40_000])
@pytest.mark.parametrize("path", ["/api/v1/resources?q=", "/k/demo.crscope.dev/widgets/?q="])
def test_overlong_url_is_414(dashboard: DashboardServer, path: str, length: int) -> None:
    url = urlsplit(dashboard.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=60)
    try:
        conn.request("GET", path + "a" * length)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
    finally:
        conn.close()
    assert response.status == 414, text[:300]
    assert "Traceback" not in text
