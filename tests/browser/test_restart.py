"""After the server restarts, the page reconnects, resyncs, and shows new changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, assert_not_reloaded, create_widget, mark_page, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_page_recovers_after_server_restart(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    create_widget(kube, namespace, "before-restart")
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    expect(page.locator("#rows tr", has_text="before-restart")).to_be_visible()
    wait_live(page)
    mark_page(page)

    dashboard.stop()  # SIGTERM: the server closes the page's socket with 1012
    expect(page.locator("#conn")).to_have_attribute("data-state", "restarting")
    expect(page.locator("#conn .conn-text")).to_have_text("server restarting")
    create_widget(kube, namespace, "while-down")
    dashboard.start()

    wait_live(page, timeout=30_000)
    # The resync after reconnecting brings what changed while the server was away...
    expect(page.locator("#rows tr", has_text="while-down")).to_be_visible(timeout=30_000)
    expect(page.locator("#toast")).to_contain_text("resynced")
    # ...and live updates flow again.
    create_widget(kube, namespace, "after-restart")
    expect(page.locator("#rows tr", has_text="after-restart")).to_be_visible(timeout=30_000)
    assert_not_reloaded(page)
