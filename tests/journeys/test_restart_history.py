"""Journey: the dashboard was down for a while; the operator reads what happened meanwhile.

While it was down, someone edited a Widget, created one and deleted one. After the restart
each object's timeline must tell that story: the edit is "Modified", names the manager who
made it and shows the changed path (not a second "Created" by every manager).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP, WIDGET
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.dashboard.history.restart import NIGHT_EDITOR, restartable_dashboard, run_scenario

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


@pytest.fixture
def server(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path: Path, namespace: str
) -> Iterator[DashboardServer]:
    srv = restartable_dashboard(control_plane, tmp_path / "dashboard", namespace)
    yield srv
    srv.stop()


def test_timeline_after_restart_tells_what_happened_while_down(
    server: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    run_scenario(server, kube, namespace)
    page = watched.page

    def timeline_of(name: str) -> None:
        page.goto(f"{server.url}/k/{GROUP}/{WIDGET.plural}/{namespace}/{name}/")
        expect(page.locator("#obj-header h1")).to_have_text(name)

    revisions = page.locator("#timeline-items .tl-rev")
    timeline_of("edited")
    expect(revisions).to_have_count(2)
    newest = revisions.first
    expect(newest.locator(".tl-type")).to_have_text("Modified")
    expect(newest.locator(".mgr")).to_have_text(f"by {NIGHT_EDITOR}")
    expect(newest.locator(".chip.path")).to_have_text(["spec.size"])
    expect(revisions.last.locator(".tl-type")).to_have_text("Created")
    page.screenshot(path=str(server.workdir / "restart-timeline.png"), full_page=True)

    timeline_of("born")
    expect(revisions).to_have_count(1)
    expect(revisions.first.locator(".tl-type")).to_have_text("Created")

    timeline_of("doomed")
    expect(revisions).to_have_count(2)
    expect(revisions.first.locator(".tl-type")).to_have_text("Deleted (while unwatched)")
    assert watched.errors == []
