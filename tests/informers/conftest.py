"""Fixtures for engine tests against the real apiserver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP


@pytest.fixture(scope="module")
def fault_plane() -> Iterator[ControlPlane]:
    """An older-style control plane: no watch cache (etcd compaction yields real 410s) and
    no WatchList feature (streaming lists answer 422, so the paged fallback is exercised).

    It is separate from the session's, because tests here kill and restart it.
    """
    cp = ControlPlane(
        extra_apiserver_args=["--watch-cache=false", "--feature-gates=WatchList=false"]
    ).start()
    try:
        yield cp
    finally:
        cp.stop()


@pytest.fixture(scope="module")
def fault_kube(fault_plane: ControlPlane) -> Iterator[KubeHTTP]:
    client = KubeHTTP.from_kubeconfig(fault_plane.kubeconfig_path("admin"))
    yield client
    client.close()
