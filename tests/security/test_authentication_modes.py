"""Proxy headers only from trusted proxies; bearer tokens honoured in every mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.dashboard_server import DashboardServer
from tests.informers.kit import wait_until
from tests.security.tokenmode import Grants, Http

pytestmark = pytest.mark.cluster


def _server(cp: ControlPlane, tmp_path: Path, **env: str) -> DashboardServer:
    return DashboardServer(
        kubeconfig=cp.kubeconfig_path("admin"), workdir=tmp_path, extra_env=env
    ).start()


@pytest.mark.parametrize("trusted", ["", "127.0.0.1/32"])
def test_proxy_headers_count_only_from_trusted_addresses(
    control_plane: ControlPlane, grants: Grants, tmp_path: Path, trusted: str
) -> None:
    server = _server(
        control_plane, tmp_path, CRSCOPE_AUTH_MODE="proxy", CRSCOPE_TRUSTED_PROXIES=trusted
    )
    try:
        http = Http(server.url)
        forged = {"X-Forwarded-User": "admin", "X-Forwarded-Groups": "system:masters"}
        status, _ = http.get("/api/v1/resources", headers=forged)
        if trusted:
            assert status == 200  # loopback is the trusted proxy here
            status, body = http.get("/api/v1/resources", headers={"X-Forwarded-User": "limited"})
            assert status == 200
            assert "databases" not in str(body)
        else:
            assert status == 401
            wait_until(
                lambda: "ignored a forged" in server.log_text(),
                timeout=5,
                message="forged header logged",
            )
    finally:
        server.stop()


def test_bearer_token_is_never_ignored_in_none_mode(
    dashboard: DashboardServer, control_plane: ControlPlane, grants: Grants
) -> None:
    http = Http(dashboard.url)
    assert http.get("/api/v1/resources")[0] == 200  # loopback, no credentials: server view
    status, _ = http.get("/api/v1/resources", token="expired-or-bogus")
    assert status == 401
    status, _ = http.get(
        "/api/v1/resources/demo.crscope.dev/databases", token=control_plane.tokens["limited"]
    )
    assert status == 404
