"""A kind the dashboard may not list: ready after the grace period, shown as failing, joins.

The dashboard runs as a user whose RBAC covers one group but not the other (a CRD added
before the ClusterRole caught up). It must become ready anyway once the grace period has
passed, say so on the kind's page, the rail and in metrics, keep the health gate closed
(it does not know that kind), never name kinds on the unauthenticated ``/readyz``, and
pick the kind up once RBAC allows the list.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.faultproxy import FaultProxy
from tests.informers.kit import make_crd, obj
from tests.unlistable import USER, GroupGrant, allow_crds
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


@dataclass
class Setup:
    server: DashboardServer
    allowed: str
    denied: str
    grant: GroupGrant

    def get(self, path: str, **params: str) -> requests.Response:
        return requests.get(f"{self.server.url}{path}", params=params, timeout=30)


@contextlib.contextmanager
def _dashboard(
    cp: ControlPlane,
    kube: KubeHTTP,
    workdir: Path,
    *,
    grace: str,
    wait: bool,
    kubeconfig: Path | None = None,
) -> Iterator[Setup]:
    """One readable group and one the dashboard's identity may not list (yet)."""
    tag = uuid.uuid4().hex[:8]
    allowed, denied = f"ok{tag}.crscope.test", f"no{tag}.crscope.test"
    allow_crds(kube)
    make_crd(kube, group=allowed, kind="Part", plural="parts", namespaced=False)
    make_crd(kube, group=denied, kind="Gadget", plural="gadgets", namespaced=False)
    kube.request(
        "POST", f"/apis/{denied}/v1/gadgets", body=obj(group=denied, kind="Gadget", name="g1")
    )
    readable = GroupGrant(kube, allowed)
    readable.grant()
    grant = GroupGrant(kube, denied)
    server = DashboardServer(
        kubeconfig=kubeconfig or cp.kubeconfig_path(USER),
        workdir=workdir,
        extra_env={
            "CRSCOPE_INCLUDE_GROUPS": f"{allowed},{denied}",
            "CRSCOPE_EVENTS": "off",
            "CRSCOPE_KIND_FAILURE_GRACE": grace,
        },
    )
    try:
        server.start(timeout=120, wait=wait)
        yield Setup(server, allowed, denied, grant)
    finally:
        server.stop()
        grant.revoke()
        readable.revoke()


@pytest.fixture
def setup(control_plane: ControlPlane, kube: KubeHTTP, tmp_path: Path) -> Iterator[Setup]:
    # Ready although one kind answers 403: readiness does not wait past the grace.
    with _dashboard(control_plane, kube, tmp_path / "srv", grace="2", wait=True) as found:
        yield found


def test_within_the_grace_readyz_waits_without_naming_the_kind(
    control_plane: ControlPlane, kube: KubeHTTP, tmp_path: Path
) -> None:
    with _dashboard(control_plane, kube, tmp_path / "srv", grace="3600", wait=False) as setup:

        def waiting_for_one_kind() -> tuple[int, str] | None:
            try:
                answer = setup.get("/readyz")
            except requests.ConnectionError:
                return None
            found = "1 kind still syncing" in answer.text
            return (answer.status_code, answer.text) if found else None

        status, text = wait_for(waiting_for_one_kind, timeout=60, what="readyz waits")
        assert status == 503
        assert json.loads(text) == {"ready": False, "reasons": ["1 kind still syncing"]}
        gate = setup.get("/api/v1/health", fail="true")
        assert gate.status_code == 503 and gate.json()["syncing"] == [f"{setup.denied}/gadgets"]


def _unavailable_series(metrics: str, kind: str) -> list[str]:
    return re.findall(
        rf'crscope_informer_unavailable{{kind="{re.escape(kind)}",[^}}]*}} 1\.0', metrics
    )


def test_forbidden_kind_is_reported_not_waited_for_and_joins(setup: Setup) -> None:
    gadgets = f"{setup.denied}/gadgets"
    ready = setup.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert setup.denied not in ready.text and "gadget" not in ready.text.lower()

    metrics = setup.get("/metrics").text
    assert 'reason="forbidden"' in _unavailable_series(metrics, gadgets)[0]

    gate = setup.get("/api/v1/health", fail="true")
    assert gate.status_code == 503, gate.text
    body = gate.json()
    assert body["synced"] is False and body["syncing"] == [gadgets]
    assert body["healthy"] is False
    by_kind = {k["plural"]: k for k in body["kinds"]}
    assert by_kind["gadgets"]["unavailable"] == "forbidden"
    assert by_kind["parts"]["synced"] is True and by_kind["parts"]["unavailable"] is None
    only_parts = setup.get("/api/v1/health", fail="true", resource=f"{setup.allowed}/parts")
    assert only_parts.status_code == 200 and only_parts.json()["synced"] is True

    page = setup.get(f"/k/{setup.denied}/gadgets/").text
    assert "the dashboard cannot list this kind (forbidden)" in page
    rail = re.search(r'<nav id="rail-kinds".*?</nav>', page, re.S)
    assert rail is not None and 'class="count unavailable"' in rail.group(0)
    home = setup.get("/").text
    assert "Partial: 1 kind cannot be listed" in home

    setup.grant.grant()

    def joined() -> bool:
        answer = setup.get("/api/v1/health", fail="true", resource=gadgets)
        return answer.status_code == 200 and answer.json()["total"] == 1

    wait_for(joined, timeout=120, interval=0.5, what="the kind joins once RBAC allows it")
    assert _unavailable_series(setup.get("/metrics").text, gadgets) == []
    assert "cannot list this kind" not in setup.get(f"/k/{setup.denied}/gadgets/").text
    assert setup.get("/api/v1/health", fail="true").json()["synced"] is True


def test_a_synced_kind_that_can_no_longer_be_listed_closes_the_gate(
    control_plane: ControlPlane, kube: KubeHTTP, tmp_path: Path
) -> None:
    """Counts kept from before a kind became unlistable are stale: the gate must not pass.

    The dashboard talks to the apiserver through a proxy, so the test can end its watch
    (as the apiserver does every few minutes) after taking its grant away; the re-watch is
    then forbidden, and the kind's counts no longer say what the cluster is.
    """
    proxy = FaultProxy(target_port=control_plane.port).start()
    kubeconfig = tmp_path / "via-proxy"
    kubeconfig.write_text(
        control_plane.kubeconfig_path(USER)
        .read_text()
        .replace(f":{control_plane.port}", f":{proxy.port}")
    )
    try:
        with _dashboard(
            control_plane, kube, tmp_path / "srv", grace="2", wait=True, kubeconfig=kubeconfig
        ) as setup:
            gadgets = f"{setup.denied}/gadgets"
            setup.grant.grant()

            def gate() -> requests.Response:
                return setup.get("/api/v1/health", fail="true", resource=gadgets)

            wait_for(lambda: gate().status_code == 200, timeout=120, what="the kind joins")
            setup.grant.revoke()
            proxy.drop_all()

            def stale() -> bool:
                kinds = setup.get("/api/v1/health", resource=gadgets).json()["kinds"]
                unavailable: str | None = kinds[0]["unavailable"]
                return unavailable == "forbidden"

            wait_for(stale, timeout=120, interval=0.5, what="the kind is reported unlistable")
            answer = gate()
            assert answer.status_code == 503, answer.text
            body = answer.json()
            assert body["healthy"] is False
            assert body["unavailable"] == [gadgets]
    finally:
        proxy.stop()
