"""Gate CI on the health API while the dashboard is still syncing a kind of many objects.

Why a journey: a restarted dashboard answered ``/api/v1/health?fail=true`` with 200
"healthy, 0 objects" before its caches were full, and the home page said "Nothing needs
attention" at the same moment, so a deploy gate passed on a cluster it had not seen.
Here the dashboard's own identity may not list one kind yet (a CRD added before its
ClusterRole), then is granted it and lists its 1,500 objects. Throughout, the gate an
operator's CI would call must never pass with partial counts, and the home page must say
it is partial until the kind has synced, then say so no more, without a reload.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.informers.kit import make_crd
from tests.unlistable import USER, GroupGrant, allow_crds, create_many
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

OBJECTS = 1500
SUMMARY = "#attention-summary"


@dataclass
class Gate:
    """What a CI job polling ``/api/v1/health?fail=true`` saw, answer by answer."""

    url: str
    answers: list[tuple[int, bool, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def poll(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                response = session.get(f"{self.url}/api/v1/health?fail=true", timeout=30)
                body = response.json()
                self.answers.append((response.status_code, body["synced"], body["total"]))
                self.stop.wait(0.1)  # pacing only: the assertions are on every answer


def _serving(server: DashboardServer) -> bool:
    try:
        return requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture
def dashboard_missing_a_grant(
    control_plane: ControlPlane, kube: KubeHTTP, tmp_path: Path
) -> Iterator[tuple[DashboardServer, GroupGrant]]:
    group = f"gate{uuid.uuid4().hex[:8]}.crscope.test"
    allow_crds(kube)
    make_crd(kube, group=group, kind="Gadget", plural="gadgets", namespaced=False)
    create_many(
        control_plane.kubeconfig_path("admin"),
        path=f"/apis/{group}/v1/gadgets",
        group=group,
        kind="Gadget",
        names=[f"gadget-{i:05d}" for i in range(OBJECTS)],
    )
    grant = GroupGrant(kube, group)
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path(USER),
        workdir=tmp_path / "srv",
        extra_env={
            "CRSCOPE_INCLUDE_GROUPS": group,
            "CRSCOPE_EVENTS": "off",
            # Long enough that the kind counts as syncing for the whole journey.
            "CRSCOPE_KIND_FAILURE_GRACE": "3600",
        },
    )
    server.start(wait=False)
    try:
        wait_for(lambda: _serving(server), timeout=60, what="the dashboard serves")
        yield server, grant
    finally:
        server.stop()
        grant.revoke()


def test_gate_and_home_page_say_partial_until_the_kind_has_synced(
    watched: Watched, dashboard_missing_a_grant: tuple[DashboardServer, GroupGrant]
) -> None:
    server, grant = dashboard_missing_a_grant
    page = watched.page
    # The home page is served before readiness: what does an operator see right now?
    page.goto(f"{server.url}/", timeout=60_000)
    expect(page.locator(".rail-kind-name", has_text="Gadget")).to_be_visible(timeout=60_000)
    summary = page.locator(SUMMARY)
    expect(summary).to_contain_text("Partial: 1 kind still syncing", timeout=30_000)
    expect(summary).not_to_contain_text("Nothing needs attention:")

    gate = Gate(server.url)
    poller = threading.Thread(target=gate.poll, name="ci-gate", daemon=True)
    poller.start()
    try:
        grant.grant()
        # Live, without a reload: the partial note goes once the 1,500 objects are in.
        expect(summary).to_contain_text(
            "Nothing needs attention: no Failed, stuck or Terminating objects.",
            timeout=150_000,
        )
        expect(summary).not_to_contain_text("Partial")
        expect(page.locator(".rail-kind .count").first).to_have_text("1,500", timeout=30_000)
        page.screenshot(path=str(server.workdir / "health-gate.png"), full_page=True)
    finally:
        gate.stop.set()
        poller.join(timeout=60)

    assert gate.answers, "the gate was never polled"
    # Every answer while syncing closed the gate; no answer passed with partial counts.
    for status, synced, total in gate.answers:
        if status == 200:
            assert synced and total == OBJECTS, (status, synced, total)
        else:
            assert status == 503 and not synced, (status, synced, total)
    assert gate.answers[0][0] == 503
    assert gate.answers[-1] == (200, True, OBJECTS)
    assert not watched.errors
