"""The local control plane is a real apiserver: TLS, token users, RBAC, clean stop."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.build import KUBE_VERSION
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from tests.informers.kit import make_crd, obj

pytestmark = pytest.mark.cluster


def test_admin_reads_back_and_limited_user_is_forbidden(
    control_plane: ControlPlane, kube: KubeHTTP, group: str
) -> None:
    make_crd(kube, group=group, kind="Thing", plural="things", namespaced=False)
    created = kube.request(
        "POST",
        f"/apis/{group}/v1/things",
        body=obj(group=group, kind="Thing", name="one", spec={"size": 1}),
    )
    got = kube.request("GET", f"/apis/{group}/v1/things/one")
    assert got["metadata"]["uid"] == created["metadata"]["uid"]
    assert got["spec"] == {"size": 1}
    crd = kube.request(
        "GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/things.{group}"
    )
    assert crd["spec"]["group"] == group

    limited = KubeHTTP.from_kubeconfig(control_plane.kubeconfig_path("limited"))
    with pytest.raises(ApiError) as err:
        limited.request("GET", f"/apis/{group}/v1/things")
    assert err.value.status == 403
    limited.close()


def test_start_is_fast_and_stop_leaves_no_process() -> None:
    started = time.monotonic()
    cp = ControlPlane().start()
    elapsed = time.monotonic() - started
    pids = [p.pid for p in (cp._etcd, cp._apiserver) if p is not None]
    cp.stop()
    # Generous: the bound catches a start that hangs, not a loaded machine.
    assert elapsed < 120, f"start to ready took {elapsed:.1f}s"
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_apiserver_reports_the_version_it_was_built_from(kube: KubeHTTP) -> None:
    """The version is stamped in at link time; a module build would say v0.0.0-master."""
    version = kube.request("GET", "/version")
    assert version["gitVersion"] == KUBE_VERSION
    assert [version["major"], version["minor"]] == KUBE_VERSION.lstrip("v").split(".")[:2]


def test_etcd_port_taken_between_probe_and_bind_is_retried() -> None:
    """``free_port`` closes its probe before etcd binds; a port taken in between must not
    fail the whole session (a CI run once lost 265 tests that way)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        cp = ControlPlane(etcd_port=port)
        try:
            cp.start()
            assert cp.etcd_port != port
            assert cp.etcd_request("/v3/maintenance/status", {})
        finally:
            cp.stop()


def test_apiserver_env_reaches_the_apiserver_alone_and_outlives_a_restart() -> None:
    """The benchmark caps the apiserver's Go heap; etcd (and the Go contender, started by
    the benchmark itself) must keep their defaults."""
    cp = ControlPlane(apiserver_env={"GOMEMLIMIT": "3GiB"}).start()
    try:
        assert cp._etcd is not None
        etcd_env = Path(f"/proc/{cp._etcd.pid}/environ").read_bytes().split(b"\0")
        assert b"GOMEMLIMIT=3GiB" not in etcd_env
        for _ in range(2):
            pid = cp.apiserver_pid
            assert pid is not None
            assert b"GOMEMLIMIT=3GiB" in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            cp.restart_apiserver()
        assert cp.apiserver_pid != pid
    finally:
        cp.stop()
