"""Without a usable cluster configuration the API answers 503 problems, never a 500."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import requests

from devkit.dashboard_server import DashboardServer
from tests.dashboard.api.client import assert_problem


class UnconfiguredServer(DashboardServer):
    """The real server with a kubeconfig that does not exist: alive, never ready."""

    def wait_ready(self, *, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start")


@pytest.fixture(scope="module")
def unconfigured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UnconfiguredServer]:
    workdir = tmp_path_factory.mktemp("api-unconfigured")
    server = UnconfiguredServer(kubeconfig=workdir / "missing-kubeconfig", workdir=workdir)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/resources",
        "/api/v1/resources/demo.crscope.dev/widgets",
        "/api/v1/resources/demo.crscope.dev/widgets/namespaces/default/x",
        "/api/v1/resources/demo.crscope.dev/widgets/namespaces/default/x/history",
        "/api/v1/health",
        "/api/v1/watch?resource=demo.crscope.dev/widgets",
    ],
)
def test_every_endpoint_says_the_engine_is_unavailable(
    unconfigured: UnconfiguredServer, path: str
) -> None:
    body = assert_problem(requests.get(unconfigured.url + path, timeout=10), 503)
    assert "configuration" in body["detail"]


def test_schema_and_docs_still_work(unconfigured: UnconfiguredServer) -> None:
    assert requests.get(unconfigured.url + "/api/schema", timeout=10).ok
    assert requests.get(unconfigured.url + "/api/docs", timeout=10).ok
    assert "Traceback" not in unconfigured.log_text()
