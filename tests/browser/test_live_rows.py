"""A CR row appears, updates and disappears within 2 s of the change, with no reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    LIST,
    assert_not_reloaded,
    create_widget,
    delete_widget,
    mark_page,
    patch_spec,
    wait_live,
)

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_row_appears_updates_and_disappears_without_reload(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    wait_live(page)
    mark_page(page)
    rows = page.locator("#rows tr:not(.leaving)")
    expect(rows).to_have_count(0)

    create_widget(kube, namespace, "live-row")
    row = page.locator("#rows tr", has_text="live-row")
    expect(row).to_be_visible(timeout=30_000)

    patch_spec(kube, namespace, "live-row", {"color": "purple", "size": 99})
    expect(row).to_contain_text("purple", timeout=30_000)
    expect(row).to_contain_text("99", timeout=30_000)

    delete_widget(kube, namespace, "live-row")
    expect(page.locator("#rows tr", has_text="live-row")).to_have_count(0, timeout=30_000)
    assert_not_reloaded(page)
    assert watched.errors == []
    assert watched.console_errors == []  # no CSP violation, no failed swap


def test_malformed_label_selector_says_what_is_wrong_and_keeps_results(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    create_widget(kube, namespace, "kept-row")
    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    expect(page.locator("#rows tr", has_text="kept-row")).to_be_visible()
    wait_live(page)
    selector = page.locator("input[name='labelSelector']")
    selector.fill("app in (web")
    selector.press("Enter")
    expect(page.locator("#filter-error")).to_contain_text("labelSelector")
    expect(page.locator("#rows tr", has_text="kept-row")).to_be_visible()
