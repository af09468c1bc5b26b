"""A dashboard in token mode, and RBAC that grants the limited user one namespace of one kind."""

from __future__ import annotations

import contextlib
import json
import random
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from devkit.controlplane.samples import DATABASE, WIDGET, ensure_namespace, sample_object
from devkit.dashboard_server import DashboardServer

AUTHZ_TTL = 2.0


@dataclass
class Http:
    base: str

    def get(
        self, path: str, *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            headers={**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                body = resp.read()
                status = resp.status
        except urllib.error.HTTPError as err:
            body, status = err.read(), err.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")


@dataclass
class Grants:
    allowed_ns: str
    other_ns: str
    role_binding_path: str


@pytest.fixture(scope="module")
def token_dashboard(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path_factory.mktemp("token-dashboard"),
        extra_env={"CRSCOPE_AUTH_MODE": "token", "CRSCOPE_AUTHZ_TTL": str(AUTHZ_TTL)},
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def grants(kube: KubeHTTP, sample_crds: list[str]) -> Iterator[Grants]:
    """Widgets in two namespaces, Databases in both; limited may list Widgets in one."""
    suffix = uuid.uuid4().hex[:6]
    allowed, other = f"allowed-{suffix}", f"other-{suffix}"
    rng = random.Random(3)
    for ns in (allowed, other):
        ensure_namespace(kube, ns)
        for kind in (WIDGET, DATABASE):
            for _ in range(2):
                body = sample_object(kind, namespace=ns, rng=rng)
                kube.request("POST", kind.collection_path(ns), body=body)
    kube.request(
        "POST",
        f"/apis/rbac.authorization.k8s.io/v1/namespaces/{allowed}/roles",
        body={
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "widget-reader"},
            "rules": [
                {
                    "apiGroups": ["demo.crscope.dev"],
                    "resources": ["widgets"],
                    "verbs": ["get", "list", "watch"],
                }
            ],
        },
    )
    path = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{allowed}/rolebindings"
    kube.request(
        "POST",
        path,
        body={
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "limited-widgets"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "widget-reader",
            },
            "subjects": [
                {"kind": "User", "name": "limited", "apiGroup": "rbac.authorization.k8s.io"}
            ],
        },
    )
    granted = Grants(
        allowed_ns=allowed, other_ns=other, role_binding_path=f"{path}/limited-widgets"
    )
    yield granted
    # The user is shared by every module: leave no grant behind for the next one.
    with contextlib.suppress(ApiError):
        kube.request("DELETE", granted.role_binding_path)


@pytest.fixture(scope="module")
def http(token_dashboard: DashboardServer) -> Http:
    return Http(token_dashboard.url)
