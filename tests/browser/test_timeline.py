"""The detail page's timeline shows a new revision live, and its diff shows the path."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, patch_spec, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_new_revision_appears_and_diff_shows_changed_path(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    create_widget(kube, namespace, "timeline-widget")
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    page.locator("#rows a", has_text="timeline-widget").click()
    expect(page.locator("#obj-header h1")).to_have_text("timeline-widget")
    wait_live(page)
    expect(page.locator("#timeline-items .tl-rev")).to_have_count(1, timeout=30_000)

    patch_spec(kube, namespace, "timeline-widget", {"size": 42})
    newest = page.locator("#timeline-items .tl-rev").first
    expect(newest.locator(".chip.path", has_text="spec.size")).to_be_visible(timeout=30_000)
    expect(page.locator("#obj-yaml")).to_contain_text("size: 42")

    newest.locator("a.diff-link").click()
    expect(page.locator("h1")).to_contain_text("Diff")
    row = page.locator("table.diff tr", has_text="spec.size")
    expect(row).to_be_visible()
    expect(row.locator("td.new")).to_have_text("42")

    page.get_by_role("link", name="Show noise").click()
    expect(page.locator("table.diff")).to_contain_text("metadata.resourceVersion")
