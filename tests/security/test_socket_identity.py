"""A live socket ends when its identity does: token revoked, signed out, or one too many.

Against the real apiserver: a ServiceAccount token is revoked by deleting the account (its
TokenReview then fails), exactly as an operator would revoke it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import websocket

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.security.livesocket import (
    open_socket,
    read_until_closed,
    sign_out,
    signed_in_session,
)
from tests.security.tokenmode import Grants

pytestmark = pytest.mark.cluster

#: Token cache (10 s by default) plus the access refresh (the 2 s authz TTL here), with room
#: for a loaded machine.
REVOKE_BOUND = 45.0


@pytest.fixture
def service_account_token(kube: KubeHTTP, grants: Grants) -> Iterator[tuple[str, str]]:
    """A ServiceAccount allowed to list Widgets in the granted namespace, and its token."""
    name = f"viewer-{uuid.uuid4().hex[:6]}"
    ns = grants.allowed_ns
    kube.request(
        "POST",
        f"/api/v1/namespaces/{ns}/serviceaccounts",
        body={"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
    )
    kube.request(
        "POST",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        body={
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "widget-reader",
            },
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}],
        },
    )
    issued = kube.request(
        "POST",
        f"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    yield name, issued["status"]["token"]


def test_socket_closes_with_4401_when_the_token_is_revoked(
    token_dashboard: DashboardServer,
    kube: KubeHTTP,
    grants: Grants,
    service_account_token: tuple[str, str],
) -> None:
    name, token = service_account_token
    session = signed_in_session(token_dashboard.url, token)
    ws = open_socket(token_dashboard.url, session=session)
    try:
        ws.settimeout(30)
        first = ws.recv()
        assert grants.allowed_ns in first  # the account sees its rows

        kube.request("DELETE", f"/api/v1/namespaces/{grants.allowed_ns}/serviceaccounts/{name}")
        _, closed = read_until_closed(ws, timeout=REVOKE_BOUND)
    finally:
        ws.close()
    assert closed.code == 4401, closed


@pytest.fixture(scope="module")
def slow_refresh_dashboard(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    """Token mode with a 60 s authz TTL: sockets re-check identity only every 15 s, so a
    close within a few seconds of sign-out can only come from the sign-out itself."""
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=Path(tmp_path_factory.mktemp("slow-refresh")),
        extra_env={"CRSCOPE_AUTH_MODE": "token", "CRSCOPE_AUTHZ_TTL": "60"},
    )
    server.start()
    yield server
    server.stop()


def test_sign_out_closes_the_sessions_sockets_at_once(
    slow_refresh_dashboard: DashboardServer, control_plane: ControlPlane, grants: Grants
) -> None:
    base = slow_refresh_dashboard.url
    session = signed_in_session(base, control_plane.tokens["limited"])
    sockets = [open_socket(base, session=session) for _ in range(2)]
    other = signed_in_session(base, control_plane.tokens["limited"])
    bystander = open_socket(base, session=other)
    try:
        for ws in [*sockets, bystander]:
            ws.settimeout(30)
            assert grants.allowed_ns in ws.recv()
        sign_out(base, session)
        # Well inside the 15 s re-check: the sign-out itself closes them.
        for ws in sockets:
            _, closed = read_until_closed(ws, timeout=8)
            assert closed.code == 4401  # daphne drops close reasons: the code is the message
        # Another session of the same user is not signed out.
        bystander.settimeout(3)
        with pytest.raises(websocket.WebSocketTimeoutException):
            while True:
                opcode, _ = bystander.recv_data(control_frame=True)
                assert opcode != websocket.ABNF.OPCODE_CLOSE
    finally:
        for ws in [*sockets, bystander]:
            ws.close()


def test_one_socket_over_the_per_user_cap_is_closed_with_a_reason(
    token_dashboard: DashboardServer, control_plane: ControlPlane
) -> None:
    token = control_plane.tokens["alice"]
    held = []
    try:
        for _ in range(20):  # the default cap
            ws = open_socket(token_dashboard.url, token=token, path="/ws/live/?view=frame")
            ws.settimeout(30)
            ws.recv()
            held.append(ws)
        extra = open_socket(token_dashboard.url, token=token, path="/ws/live/?view=frame")
        held.append(extra)
        _, closed = read_until_closed(extra, timeout=30)
        assert closed.code == 4429
        # Someone else is not affected by alice's sockets.
        bob = open_socket(
            token_dashboard.url, token=control_plane.tokens["bob"], path="/ws/live/?view=frame"
        )
        held.append(bob)
        bob.settimeout(30)
        assert "live-meta" in bob.recv()
        # Closing one of alice's frees a place.
        held.pop(0).close()
        again = None
        for _ in range(50):
            again = open_socket(token_dashboard.url, token=token, path="/ws/live/?view=frame")
            again.settimeout(30)
            opcode, _ = again.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                break
            again.close()
            again = None
        assert again is not None, "a freed place was never given back"
        held.append(again)
    finally:
        for ws in held:
            ws.close()
