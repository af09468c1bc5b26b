"""Fixtures for the REST API tests: one real dashboard server, an HTTP client, sample objects.

The server is the same ``DashboardServer`` as the shared ``dashboard`` fixture, started once
for this package with settings these tests depend on: no per-user rate limits (pagination
loops and schemathesis send hundreds of requests; the rule tester's is tested in-process),
Databases "stuck" after 2 s (so the stuck filter and the health gate can be tested
without waiting ten minutes), and a bookmark every second on watch streams.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from devkit.controlplane.samples import (
    GROUP,
    SampleKind,
    conditions_for,
    sample_object,
    write_params,
    write_status,
)
from devkit.dashboard_server import DashboardServer
from tests.waiting import wait_for

T = TypeVar("T")
MANAGER = "api-tests"
API_ENV = {
    "CRSCOPE_API_RATE": "0",
    "CRSCOPE_RULE_TEST_RATE": "0",
    "CRSCOPE_STUCK_AFTER_BY_KIND": f"{GROUP}/databases=2",
    "CRSCOPE_WATCH_BOOKMARK_SECONDS": "1",
}


@dataclass
class Api:
    """HTTP access to the server's ``/api/`` with an optional bearer token."""

    server: DashboardServer
    session: requests.Session

    @property
    def url(self) -> str:
        return self.server.url

    def get(
        self,
        path: str,
        params: dict[str, Any] | list[tuple[str, str]] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.session.get(
            f"{self.url}{path}", params=params, headers=sent, timeout=30, **kwargs
        )

    def json(self, path: str, params: Any = None, **kwargs: Any) -> dict[str, Any]:
        """The JSON object at ``path``; every API endpoint answers with an object."""
        response = self.get(path, params, **kwargs)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="session")
def api_server(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path_factory.mktemp("api-dashboard"),
        extra_env=API_ENV,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def api(api_server: DashboardServer) -> Iterator[Api]:
    with requests.Session() as session:
        client = Api(api_server, session)
        wait_for(
            lambda: len(client.json("/api/v1/resources")["items"]) >= 3,
            timeout=30,
            what="the sample kinds are watched",
        )
        yield client


@dataclass
class Objects:
    """Writes sample objects through the admin client; ``shown`` waits until the API serves
    one, since the dashboard sees a write only when its watch event arrives."""

    kube: KubeHTTP
    api: Api
    rng: random.Random

    def create(
        self,
        kind: SampleKind,
        *,
        namespace: str | None,
        name: str | None = None,
        labels: dict[str, str] | None = None,
        spec: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = sample_object(kind, namespace=namespace, rng=self.rng)
        body["metadata"]["name"] = name or f"o-{uuid.uuid4().hex[:10]}"
        if labels is not None:
            body["metadata"]["labels"] = labels
        if spec is not None:
            body["spec"].update(spec)
        return self.kube.request(
            "POST",
            kind.collection_path(namespace),
            body=body,
            query=write_params(MANAGER),
        )

    def set_outcome(self, kind: SampleKind, obj: dict[str, Any], outcome: str) -> dict[str, Any]:
        """Write kstatus conditions: Ready -> Current, Reconciling -> InProgress, Stalled ->
        Failed."""
        generation = obj["metadata"]["generation"]
        status = {
            "observedGeneration": generation,
            "conditions": conditions_for(outcome, kind=kind.kind, observed_generation=generation),
        }
        return write_status(self.kube, kind, obj, status=status, field_manager=MANAGER)

    def patch(self, kind: SampleKind, obj: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        return self.kube.request(
            "PATCH",
            kind.object_path(meta["name"], meta.get("namespace")),
            body=body,
            content_type="application/merge-patch+json",
            query=write_params(MANAGER),
        )

    def delete(self, kind: SampleKind, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        try:
            self.kube.request("DELETE", kind.object_path(meta["name"], meta.get("namespace")))
        except ApiError as err:
            if err.status != 404:
                raise

    def shown(self, kind: SampleKind, obj: dict[str, Any]) -> dict[str, Any]:
        """Wait until the API serves ``obj`` at (at least) its current resourceVersion."""
        path = object_path(kind, obj)
        rv = int(obj["metadata"]["resourceVersion"])

        def probe() -> dict[str, Any] | None:
            response = self.api.get(path)
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            return body if int(body["object"]["metadata"]["resourceVersion"]) >= rv else None

        return wait_for(probe, what=f"{path} at resourceVersion {rv}")


def object_path(kind: SampleKind, obj: dict[str, Any], suffix: str = "") -> str:
    meta = obj["metadata"]
    base = f"/api/v1/resources/{GROUP}/{kind.plural}"
    if meta.get("namespace"):
        base += f"/namespaces/{meta['namespace']}"
    return f"{base}/{meta['name']}{suffix}"


def list_path(kind: SampleKind) -> str:
    return f"/api/v1/resources/{GROUP}/{kind.plural}"


@pytest.fixture
def objects(kube: KubeHTTP, api: Api) -> Objects:
    return Objects(kube, api, random.Random(1234))


def assert_problem(
    response: requests.Response, status: int, param: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` (naming ``param`` if given)."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    if param is not None:
        assert body.get("param") == param, body
    return body
