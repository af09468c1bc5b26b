"""API writes that ride on ambient credentials need our Origin or a CSRF token.

The dashboard here runs in ``none`` mode, so any loopback caller is the server identity:
exactly the case where a page in the operator's browser could post on their behalf.
"""

from __future__ import annotations

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.dashboard_server import DashboardServer

pytestmark = pytest.mark.cluster

READ = "/api/v1/notifications/read"


def _post(dashboard: DashboardServer, **headers: str) -> requests.Response:
    return requests.post(dashboard.url + READ, headers=headers, timeout=30)


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:1", "http://evil.example", "https://127.0.0.1", "null"]
)
def test_cross_site_post_is_refused(dashboard: DashboardServer, origin: str) -> None:
    response = _post(dashboard, Origin=origin)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "cross-site" in response.json()["detail"]


def test_post_without_origin_or_csrf_token_is_refused(dashboard: DashboardServer) -> None:
    response = _post(dashboard)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_same_origin_post_is_accepted(dashboard: DashboardServer) -> None:
    response = _post(dashboard, Origin=dashboard.url)
    assert response.status_code == 200, response.text
    assert response.json() == {"unread": 0}


def test_post_with_a_csrf_token_is_accepted(dashboard: DashboardServer) -> None:
    session = requests.Session()
    session.get(dashboard.url + "/signin", timeout=30)  # sets the CSRF cookie
    token = session.cookies["csrftoken"]
    assert token, "the sign-in page sets the CSRF cookie"
    response = session.post(dashboard.url + READ, headers={"X-CSRFToken": token}, timeout=30)
    assert response.status_code == 200, response.text


def test_bearer_post_needs_no_origin(
    dashboard: DashboardServer, control_plane: ControlPlane
) -> None:
    response = _post(
        dashboard, Authorization=f"Bearer {control_plane.tokens['admin']}", Origin="null"
    )
    assert response.status_code == 200, response.text


def test_reads_are_not_affected(dashboard: DashboardServer) -> None:
    response = requests.get(
        dashboard.url + "/api/v1/resources", headers={"Origin": "http://evil.example"}, timeout=30
    )
    assert response.status_code == 200
