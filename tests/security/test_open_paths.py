"""Paths open without signing in answer a plain 404 when there is nothing there, not a 500.

Why: a browser asks every site for /favicon.ico, and the open prefixes (/static/, /signin,
/metrics, /healthz) match more than their pages. The 404 page is drawn inside the app's
frame, which needs a signed-in viewer; on an open path there is none, and the frame's
failure turned every such miss into "Something went wrong".
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from devkit.dashboard_server import DashboardServer

pytestmark = pytest.mark.cluster

MISSES = ("/favicon.ico", "/static/ui/nope.css", "/signinx", "/metricsx", "/healthzz")


@pytest.mark.parametrize("path", MISSES)
def test_a_miss_on_an_open_path_is_a_plain_404(token_dashboard: DashboardServer, path: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(token_dashboard.url + path, timeout=30)
    body = caught.value.read().decode()
    assert caught.value.code == 404, body[:300]
    assert "Not found" in body and "Something went wrong" not in body
    assert "signed in as" not in body  # no frame, no viewer
