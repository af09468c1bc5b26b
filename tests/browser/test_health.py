"""The health overview lists, live, a CR whose condition turns Stalled."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    assert_not_reloaded,
    create_widget,
    mark_page,
    stall_widget,
    wait_live,
)

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_stalled_object_appears_in_needs_attention(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(f"{dashboard.url}/")
    wait_live(page)
    mark_page(page)
    created = create_widget(kube, namespace, "goes-stalled")
    attention = page.locator("#attention-rows tr", has_text="goes-stalled")
    expect(attention).to_have_count(0)

    stall_widget(kube, created)
    expect(attention).to_be_visible(timeout=30_000)
    expect(attention).to_contain_text("Failed")
    expect(attention).to_contain_text("BackendError")
    expect(page.locator("#health-cards")).to_contain_text("Widget")
    assert_not_reloaded(page)
