"""``/api/v1/watch`` ends when access ends, and a user cannot make it cost the server without bound.

Against the real apiserver and a token-mode dashboard with a 2 s authorization cache:
- deleting the RoleBinding or ClusterRoleBinding behind an open stream ends it with an
  ``ERROR`` line carrying a 403 ``Status``, within a bound derived from the cache time;
- one user may hold a few streams at once; the next one is a 429 problem with Retry-After;
- a client that never reads cannot make the server buffer without bound: its stream is
  ended and the server's memory stays within a generous budget (a bound, not a benchmark).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, ensure_namespace
from devkit.dashboard_server import DashboardServer
from tests.dashboard.api.test_watch import Stream
from tests.informers.kit import wait_until
from tests.security.clusterrbac import cluster_grant, namespace_grant
from tests.security.livesocket import sign_out, signed_in_session
from tests.security.tokenmode import AUTHZ_TTL, Grants

pytestmark = pytest.mark.cluster

WATCH = "/api/v1/watch"
WIDGETS = "demo.crscope.dev/widgets"
POLICIES = "demo.crscope.dev/clusterpolicies"
MAX_STREAMS = 3
MAX_OWED = 1 << 20
#: Revocation reaches a stream within the authorization cache time plus one re-check
#: period; the rest is slack for a loaded two-core machine.
REVOKED_WITHIN = 2 * AUTHZ_TTL + 20


@pytest.fixture(scope="module")
def server(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    dashboard = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path_factory.mktemp("watch-limits"),
        extra_env={
            "CRSCOPE_AUTH_MODE": "token",
            "CRSCOPE_AUTHZ_TTL": str(AUTHZ_TTL),
            "CRSCOPE_API_RATE": "0",
            "CRSCOPE_WATCH_BOOKMARK_SECONDS": "1",
            "CRSCOPE_WATCH_MAX_PER_USER": str(MAX_STREAMS),
            "CRSCOPE_WATCH_MAX_BUFFER_BYTES": str(MAX_OWED),
        },
    )
    dashboard.start()
    yield dashboard
    dashboard.stop()


@pytest.fixture
def open_watch(server: DashboardServer) -> Iterator[Callable[..., Stream]]:
    opened: list[Stream] = []

    def open_stream(token: str, resource: str, **params: Any) -> Stream:
        response = requests.get(
            server.url + WATCH,
            params={"resource": resource, **params},
            headers={"Authorization": f"Bearer {token}"},
            stream=True,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        stream = Stream(response)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


def _ends_with_403(stream: Stream) -> dict[str, Any]:
    """Skip to the ERROR line, which must be the stream's last; return its Status."""
    _, line = stream.until(lambda line: line["type"] == "ERROR", timeout=REVOKED_WITHIN)
    assert stream.lines.get(timeout=10) is None, "the stream went on after its ERROR line"
    status: dict[str, Any] = line["object"]
    assert status["kind"] == "Status" and status["code"] == 403, status
    assert status["reason"] == "Forbidden" and status["message"]
    return status


def test_deleting_the_rolebinding_ends_an_open_watch_with_403(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    server: DashboardServer,
    open_watch: Callable[..., Stream],
) -> None:
    token = control_plane.tokens["limited"]

    def listed() -> bool:
        response = requests.get(
            f"{server.url}/api/v1/resources/{WIDGETS}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        return response.status_code == 200 and response.json()["total"] == 2

    wait_until(listed, timeout=30, message="the limited user sees the granted widgets")
    stream = open_watch(token, WIDGETS)
    initial = stream.initial()
    assert {line["object"]["metadata"]["namespace"] for line in initial} == {grants.allowed_ns}
    kube.request("DELETE", grants.role_binding_path)
    _ends_with_403(stream)


def test_deleting_the_clusterrolebinding_ends_an_open_watch_with_403(
    control_plane: ControlPlane, kube: KubeHTTP, open_watch: Callable[..., Stream]
) -> None:
    with cluster_grant(kube, user="alice", plural="clusterpolicies") as binding:
        stream = open_watch(control_plane.tokens["alice"], POLICIES)
        stream.initial()
        kube.request("DELETE", binding)
        _ends_with_403(stream)


def test_signing_out_ends_a_watch_opened_with_the_session(
    control_plane: ControlPlane, kube: KubeHTTP, server: DashboardServer
) -> None:
    with cluster_grant(kube, user="bob", plural="clusterpolicies"):
        session = signed_in_session(server.url, control_plane.tokens["bob"])
        response = session.get(
            server.url + WATCH, params={"resource": POLICIES}, stream=True, timeout=30
        )
        assert response.status_code == 200, response.text
        stream = Stream(response)
        try:
            stream.initial()
            sign_out(server.url, session)
            _, line = stream.until(lambda line: line["type"] == "ERROR", timeout=REVOKED_WITHIN)
            assert line["object"]["code"] == 401, line
            assert stream.lines.get(timeout=10) is None, "the stream went on after its ERROR line"
        finally:
            stream.close()


def test_a_stream_follows_namespaces_granted_and_revoked_while_open(
    control_plane: ControlPlane, kube: KubeHTTP, open_watch: Callable[..., Stream]
) -> None:
    tag = uuid.uuid4().hex[:6]
    first, second = f"first-{tag}", f"second-{tag}"
    for ns in (first, second):
        ensure_namespace(kube, ns)
        body = {
            "apiVersion": WIDGET.api_version,
            "kind": WIDGET.kind,
            "metadata": {"name": f"w-{ns}", "namespace": ns},
            "spec": {"size": 1, "color": "red"},
        }
        kube.request("POST", WIDGET.collection_path(ns), body=body)
    token = control_plane.tokens["alice"]
    with namespace_grant(kube, user="alice", plural="widgets", namespace=first):
        stream = open_watch(token, WIDGETS)
        shown = {line["object"]["metadata"]["namespace"] for line in stream.initial()}
        assert shown == {first}
        with namespace_grant(kube, user="alice", plural="widgets", namespace=second) as binding:
            # Granted while open: the second namespace's object arrives as ADDED.
            _, added = stream.until(
                lambda line: (
                    line["type"] == "ADDED" and line["object"]["metadata"]["namespace"] == second
                ),
                timeout=REVOKED_WITHIN,
            )
            assert added["object"]["metadata"]["name"] == f"w-{second}"
            kube.request("DELETE", binding)
            # Revoked while the client holds an object there: re-list what you may see.
            _, error = stream.until(lambda line: line["type"] == "ERROR", timeout=REVOKED_WITHIN)
            assert error["object"]["code"] == 410, error
            assert stream.lines.get(timeout=10) is None


def _watch_status(server: DashboardServer, token: str) -> requests.Response:
    params: dict[str, str | int] = {"resource": WIDGETS, "timeoutSeconds": 30}
    return requests.get(
        server.url + WATCH,
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        stream=True,
        timeout=30,
    )


def test_streams_per_user_are_capped_and_released(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    server: DashboardServer,
    open_watch: Callable[..., Stream],
    namespace: str,
) -> None:
    admin = control_plane.tokens["admin"]
    # Streams of an empty namespace: one over every namespace could fall behind the rest of
    # the suite's churn, end with a 410 and free its slot before the cap is tried.
    streams = [open_watch(admin, WIDGETS, namespace=namespace) for _ in range(MAX_STREAMS)]
    refused = _watch_status(server, admin)
    assert refused.status_code == 429, refused.text
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert int(refused.headers["Retry-After"]) >= 1
    assert str(MAX_STREAMS) in refused.json()["detail"]
    with cluster_grant(kube, user="bob", plural="widgets"):  # another user is not affected
        other = _watch_status(server, control_plane.tokens["bob"])
        assert other.status_code == 200, other.text
        other.close()
    streams[0].close()

    def admitted_again() -> bool:
        response = _watch_status(server, admin)
        response.close()
        return response.status_code == 200

    wait_until(admitted_again, timeout=20, message="a closed stream frees its slot")


# -- a reader that never reads ------------------------------------------------------------
def _rss_bytes(server: DashboardServer) -> int:
    assert server._proc is not None
    for line in Path(f"/proc/{server._proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _silent_stream(server: DashboardServer, token: str, namespace: str) -> socket.socket:
    """A watch whose client stops reading once the current state has arrived."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    sock.sendall(
        (
            f"GET {WATCH}?resource={WIDGETS}&namespace={namespace} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    sock.settimeout(30)
    head = b""
    while b"initial-events-end" not in head:
        chunk = sock.recv(1 << 16)
        assert chunk, head[:300]
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head[:300]
    return sock


def _drain_to_end(sock: socket.socket, timeout: float) -> bytes:
    """Read until the server closes the connection (EOF or reset); fail after ``timeout``."""
    sock.settimeout(timeout)
    received = bytearray()
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(1 << 16):
            received += chunk
    return bytes(received)


def _dropped(sock: socket.socket) -> bool:
    """Whether the server has ended the connection, without reading what it holds: the
    socket left ESTABLISHED (Linux ``TCP_INFO``; unread data does not hide a reset)."""
    established = 1
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] != established


class _PeakRss:
    def __init__(self, server: DashboardServer) -> None:
        self.server, self.peak, self.stop = server, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, _rss_bytes(self.server))

    def __enter__(self) -> _PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def test_a_reader_that_never_reads_is_ended_and_memory_stays_bounded(
    control_plane: ControlPlane, kube: KubeHTTP, server: DashboardServer
) -> None:
    namespace = f"silent-{uuid.uuid4().hex[:6]}"
    ensure_namespace(kube, namespace)
    names = [f"fat-{i}" for i in range(20)]
    for name in names:
        body = {
            "apiVersion": WIDGET.api_version,
            "kind": WIDGET.kind,
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"size": 1, "color": "red"},
        }
        kube.request("POST", WIDGET.collection_path(namespace), body=body)
    baseline = _rss_bytes(server)
    # Three silent streams (the per-user cap), and churn worth ~360 MB of lines to them:
    # the objects grow one fat annotation (~200 KB in every line), then keep changing.
    socks = [_silent_stream(server, control_plane.tokens["admin"], namespace) for _ in range(3)]
    heavy = "x" * 200_000
    budget = baseline + 150 * (1 << 20)
    try:
        with _PeakRss(server) as rss:
            for round_ in range(30):
                if round_ > 1 and all(_dropped(sock) for sock in socks):
                    break  # the server gave up on them: more churn would prove nothing
                for name in names:
                    meta: dict[str, Any] = {"labels": {"round": str(round_)}}
                    if round_ == 0:
                        meta["annotations"] = {"pad": heavy}
                    kube.request(
                        "PATCH",
                        WIDGET.object_path(name, namespace),
                        body={"metadata": meta},
                        content_type=MERGE_PATCH,
                    )
            for sock in socks:  # ended by the server: EOF or reset, not a hang
                _drain_to_end(sock, timeout=60)
        assert rss.peak < budget, (
            f"server RSS peaked {rss.peak >> 20} MiB, budget {budget >> 20} MiB"
        )
    finally:
        for sock in socks:
            sock.close()
