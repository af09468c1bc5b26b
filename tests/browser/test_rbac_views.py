"""A signed-in user sees, and is pushed, only what their RBAC allows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, wait_live
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_limited_user_sees_and_receives_only_their_namespace(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    page = watched.page
    page.goto(f"{token_dashboard.url}/")
    expect(page).to_have_url(f"{token_dashboard.url}/signin?next=/")
    page.fill("input[name='token']", "not-a-valid-token")
    page.click("button[type='submit']")
    expect(page.locator(".error")).to_contain_text("invalid")
    page.fill("input[name='token']", control_plane.tokens["limited"])
    page.click("button[type='submit']")

    # Health: only the one kind, counted in the one namespace.
    expect(page.locator("body")).to_contain_text("Widget")
    body = page.locator("main").inner_text()
    assert "Database" not in body and "ClusterPolicy" not in body
    assert grants.other_ns not in page.content()

    page.goto(f"{token_dashboard.url}{LIST}")
    wait_live(page)
    expect(page.locator("#rows tr")).to_have_count(2)
    assert grants.other_ns not in page.locator("#rows").inner_text()

    create_widget(kube, grants.other_ns, "hidden-push")
    create_widget(kube, grants.allowed_ns, "visible-push")
    expect(page.locator("#rows tr", has_text="visible-push")).to_be_visible(timeout=30_000)
    expect(page.locator("#rows tr", has_text="hidden-push")).to_have_count(0)
    assert "hidden-push" not in page.content()

    response = page.goto(f"{token_dashboard.url}/k/demo.crscope.dev/databases/")
    assert response is not None and response.status == 404
    assert watched.errors == []
