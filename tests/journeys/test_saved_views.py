"""Saved views: a filtered list kept by name in this browser, one click from any page.

Why a journey: the view is saved through a prompt, kept in localStorage, and must come
back on another page and after a reload, open with its filters, and be removable. A name
is whatever a person typed, so a hostile one must stay text. Esc closes the name field
without leaving the page.
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
HOSTILE = '<img src=x onerror="window.__pwned=1">failing'


def test_save_open_and_remove_a_view(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    stall_widget(kube, create_widget(kube, namespace, "saved-failing"))
    create_widget(kube, namespace, "saved-fine")
    page = watched.page
    filtered = f"{LIST}?namespace={namespace}&state=Failed"
    page.goto(f"{dashboard.url}{filtered}")
    wait_live(page)
    expect(page.locator("#saved-views")).to_be_hidden()

    page.get_by_role("button", name="Save view").click()
    name = page.get_by_label("Name of the saved view")
    expect(name).to_be_focused()
    expect(name).to_have_value("Widget")
    name.fill(HOSTILE)
    page.keyboard.press("Enter")
    entry = page.locator("#saved-views-list a")
    expect(entry).to_have_text(HOSTILE, timeout=WAIT)
    expect(page.locator("[data-save-form]")).to_be_hidden()
    assert page.locator("#saved-views-list img").count() == 0
    assert page.evaluate("window.__pwned") is None

    # Esc in the name field closes it and stays on the page (not the page's "go back").
    page.get_by_role("button", name="Save view").click()
    expect(name).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("[data-save-form]")).to_be_hidden()
    assert page.url == f"{dashboard.url}{filtered}"

    # Another page, after a reload: still there; one click opens the filtered list.
    page.goto(f"{dashboard.url}/events/")
    expect(page.locator("#saved-views-list a")).to_have_text(HOSTILE, timeout=WAIT)
    page.locator("#saved-views-list a").click()
    expect(page.locator("#rows tr")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#rows tr")).to_contain_text("saved-failing")
    assert page.url == f"{dashboard.url}{filtered}"
    expect(page.locator("#saved-views-list a")).to_have_attribute("aria-current", "page")

    # Removed with its button (by keyboard too): gone here and after a reload.
    page.get_by_role("button", name=f"Remove saved view {HOSTILE}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#saved-views")).to_be_hidden(timeout=WAIT)
    page.reload()
    expect(page.locator("#saved-views")).to_be_hidden()
    assert watched.errors == []


def test_a_tampered_entry_is_not_a_link_off_site(
    dashboard: DashboardServer, watched: Watched
) -> None:
    page = watched.page
    page.goto(f"{dashboard.url}/")
    page.evaluate(
        """localStorage.setItem("crscope.savedViews", JSON.stringify([
            {name: "evil", url: "javascript:window.__pwned=1"},
            {name: "away", url: "//example.com/"},
            {name: "tabbed", url: "/\\t/example.com/"},
            {name: "fine", url: "/events/"}
        ]))"""
    )
    page.reload()
    expect(page.locator("#saved-views-list a")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#saved-views-list a")).to_have_text("fine")
    page.evaluate('localStorage.removeItem("crscope.savedViews")')
