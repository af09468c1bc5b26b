"""Shared fixtures: one real local control plane per test session.

Tests that change CRDs use their own API group; tests that write objects use their own
namespace, so they can share the apiserver without seeing each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.build import ensure_kubectl
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import apply_crds
from devkit.dashboard_server import DashboardServer
from tests.kubectl import Kubectl
from tests.services import Postgres, Redis

os.environ.setdefault("CRSCOPE_ENGINE", "off")  # tests start engines explicitly

# pytest explains a failed assert only in test and conftest modules; these helper modules
# (fixtures and checks the suites share) assert too, so they get the same explanations.
pytest.register_assert_rewrite(
    "tests.browser.chromium",
    "tests.dashboard.api.client",
    "tests.dashboard.ui.live",
    "tests.deploy.rendered",
    "tests.image.manifests",
    "tests.informers.healthpack.planes",
    "tests.security.tokenmode",
)


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    cp = ControlPlane().start()
    try:
        yield cp
    finally:
        cp.stop()


@pytest.fixture(scope="session")
def kube(control_plane: ControlPlane) -> Iterator[KubeHTTP]:
    client = KubeHTTP.from_kubeconfig(control_plane.kubeconfig_path("admin"))
    yield client
    client.close()


@pytest.fixture(scope="session")
def kubectl(control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """The real kubectl (the apiserver's version) as ``kubectl`` on a PATH of its own."""
    bin_dir = tmp_path_factory.mktemp("kubectl-bin")
    (bin_dir / "kubectl").symlink_to(ensure_kubectl())
    return Kubectl(bin_dir=bin_dir, kubeconfig=control_plane.kubeconfig_path("admin"))


@pytest.fixture(scope="session")
def sample_crds(kube: KubeHTTP) -> list[str]:
    return apply_crds(kube)


@pytest.fixture
def namespace(kube: KubeHTTP) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kube.request(
        "POST",
        "/api/v1/namespaces",
        body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
    )
    return name


@pytest.fixture(scope="session")
def dashboard(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    """The real dashboard server on a free port, watching the session's control plane."""
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path_factory.mktemp("dashboard"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def group() -> str:
    """A fresh API group per test, so CRD changes never collide."""
    return f"t{uuid.uuid4().hex[:8]}.crscope.test"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    server = Postgres().start()
    yield server
    server.stop()
