"""A list shows as many rows as asked, and says why a row failed without a hover.

Why a journey: the page size is a form field that must reach the query, the summary, the
pager and the live socket alike; the message must be visible text in the row a person
reads, pushed live when an object fails while the page is open.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, stall_widget, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines


def test_page_size_and_inline_messages(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    created = [create_widget(kube, namespace, f"rows-{i:02d}") for i in range(30)]
    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}&sort=name")
    wait_live(page, timeout=WAIT)
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(30, timeout=WAIT)

    page.locator("select[name=limit]").select_option("25")
    expect(rows).to_have_count(25, timeout=WAIT)
    assert "limit=25" in page.url
    expect(page.locator(".summary")).to_contain_text("1\u201325 of 30")
    page.locator(".pager a", has_text="Next").click()
    expect(rows).to_have_count(5, timeout=WAIT)
    expect(page.locator(".summary")).to_contain_text("26\u201330 of 30")

    # A row that fails while the page is open shows its message in the row itself.
    stall_widget(kube, created[29])
    failed = page.locator("#rows tr", has_text="rows-29")
    expect(failed.locator(".badge")).to_contain_text("Failed", timeout=WAIT)
    message = failed.locator(".msg-inline")
    expect(message).to_be_visible()
    assert message.inner_text().strip() != ""
    expect(page.locator("#rows tr", has_text="rows-28").locator(".msg-inline")).to_have_count(0)
    assert watched.errors == []
