"""Filters live in the URL, pause holds updates back, and a deleted object stays readable."""

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
    stall_widget,
    wait_live,
)

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_filter_is_pushed_to_the_url_and_followed_live(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    wait_live(page)
    mark_page(page)
    page.locator("label.chip", has_text="Failed").click()
    expect(page).to_have_url(f"{dashboard.url}{LIST}?namespace={namespace}&state=Failed&sort=name")
    wait_live(page)
    created = create_widget(kube, namespace, "filtered-live")
    page.wait_for_timeout(600)  # Current: must not show under the Failed filter
    expect(page.locator("#rows tr", has_text="filtered-live")).to_have_count(0)
    stall_widget(kube, created)
    expect(page.locator("#rows tr", has_text="filtered-live")).to_be_visible(timeout=30_000)

    page.get_by_role("link", name="Name", exact=True).click()  # sort descending by name
    expect(page).to_have_url(f"{dashboard.url}{LIST}?namespace={namespace}&state=Failed&sort=-name")
    page.go_back()
    expect(page).to_have_url(f"{dashboard.url}{LIST}?namespace={namespace}&state=Failed&sort=name")
    expect(page.locator("#rows tr", has_text="filtered-live")).to_be_visible()


def test_pause_counts_waiting_updates_and_resume_applies_them(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    wait_live(page)
    mark_page(page)
    page.locator("#pause").click()
    expect(page.locator("#conn")).to_have_attribute("data-state", "paused")
    create_widget(kube, namespace, "paused-row")
    expect(page.locator("#waiting")).to_contain_text("update", timeout=30_000)
    expect(page.locator("#rows tr", has_text="paused-row")).to_have_count(0)
    page.locator("#pause").click()
    expect(page.locator("#rows tr", has_text="paused-row")).to_be_visible(timeout=30_000)
    expect(page.locator("#waiting")).to_be_hidden()
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    assert_not_reloaded(page)


def test_deleted_object_keeps_its_last_state_and_history(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    create_widget(kube, namespace, "doomed")
    detail = f"{dashboard.url}{LIST}{namespace}/doomed/"
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    page.locator("#rows a", has_text="doomed").click()
    wait_live(page)
    expect(page.locator("#timeline-items .tl-rev")).to_have_count(1, timeout=30_000)
    delete_widget(kube, namespace, "doomed")
    expect(page.locator("#obj-header")).to_contain_text("This object was deleted", timeout=30_000)
    expect(page.locator("#timeline-items .tl-deleted")).to_be_visible(timeout=30_000)
    page.goto(detail)  # a fresh load renders the last recorded state
    expect(page.locator("#obj-header")).to_contain_text("This object was deleted")
    expect(page.locator("#obj-yaml")).to_contain_text("name: doomed")


def test_an_idle_live_page_sends_no_requests(
    dashboard: DashboardServer, namespace: str, watched: Watched
) -> None:
    """A quiet page costs nothing: after loading it fetches the bell once, then only the
    WebSocket talks (a fragment that re-triggered its own load used to poll in a loop)."""
    page = watched.page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    wait_live(page)
    page.wait_for_timeout(1_000)
    settled = len(requests)
    assert sum("/notifications/bell/" in url for url in requests) == 1, requests
    page.wait_for_timeout(3_000)
    assert requests[settled:] == []
