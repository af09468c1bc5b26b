"""The bell counts in-app notifications live, pushed over the page's WebSocket.

The bell is the one place a user sees "something failed" while looking at another kind,
so it must update without a reload or a poll, and clear once the notifications are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Request, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    LIST,
    assert_not_reloaded,
    create_widget,
    mark_page,
    stall_widget,
    wait_live,
)

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


@pytest.fixture
def notifying(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path: Path
) -> Iterator[DashboardServer]:
    """A dashboard with one in-app rule: tell me when a Widget fails."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: widget-failed\n"
        "    trigger: {state: Failed}\n"
        "    match: {kinds: [demo.crscope.dev/widgets]}\n"
        "    destinations: [in-app]\n"
    )
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path / "server",
        extra_env={"CRSCOPE_NOTIFY_RULES": str(rules), "CRSCOPE_EVENTS": "off"},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_bell_counts_live_and_clears_once_read(
    notifying: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    bell_fetches: list[str] = []

    def on_request(request: Request) -> None:
        if "/notifications/bell/" in request.url:
            bell_fetches.append(request.url)

    page.on("request", on_request)
    page.goto(f"{notifying.url}{LIST}?namespace={namespace}")
    wait_live(page)
    mark_page(page)
    bell = page.locator("#notify-bell")
    count = bell.locator(".notify-count")
    expect(count).to_be_hidden()
    fetched_before = len(bell_fetches)

    stall_widget(kube, create_widget(kube, namespace, "falls-over"))

    # Well inside the bell's 30 s poll: only the WebSocket push can have brought it.
    expect(count).to_have_text("1", timeout=30_000)
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    assert len(bell_fetches) == fetched_before, "the count came by push, not by a fetch"
    assert_not_reloaded(page)
    assert watched.errors == []

    with page.expect_response(lambda r: "/notifications/bell/" in r.url):
        bell.click()  # the new page's bell fetches its count once loaded
    recent = page.locator("#notify-recent")
    expect(recent).to_contain_text("falls-over")
    wait_live(page)
    expect(count).to_be_hidden()  # opening the page read them
    mark_page(page)

    # On the notifications page, the push refreshes the recent list at once (its own poll
    # is every 15 s); what the open page shows is read, so the bell does not count it.
    stall_widget(kube, create_widget(kube, namespace, "falls-over-too"))
    expect(recent).to_contain_text("falls-over-too", timeout=30_000)
    expect(count).to_be_hidden()
    expect(bell).to_have_attribute("aria-label", "Notifications, 0 unread")
    assert_not_reloaded(page)
    assert watched.errors == []
