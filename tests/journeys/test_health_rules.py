"""An operator asks why an object is Failed, then tries a rule of their own before saving it.

Why a journey: the explanation and the tester are only useful if a person can read them
where they look: the object's page says which rule decided and what it read; the tester
page shows, after one click, how many objects a draft would move and which, and points at
the line of a draft that does not compile. A limited user's tester sees only the objects
they may list.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import create_widget, open_object, stall_widget
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def _draft(prefix: str, state: str = "InProgress") -> str:
    return f"""rules:
  - name: team/widgets-on-hold
    match: {{group: {GROUP}, kind: Widget}}
    inputs:
      name: object.metadata.name
    cases:
      - when: name.startsWith("{prefix}")
        state: {state}
        reason: OnHold
"""


def _evaluate(page: Page, draft: str) -> None:
    page.select_option("#rt-kind", f"{GROUP}/widgets")
    page.fill("#rt-rules", draft)
    page.click("#rule-tester button[type='submit']")


def test_why_this_state_and_a_draft_rule(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched, tmp_path: Path
) -> None:
    prefix = f"hold-{uuid.uuid4().hex[:6]}-"
    name = f"{prefix}a"
    stall_widget(kube, create_widget(kube, namespace, name))
    page = watched.page
    open_object(page, f"{dashboard.url}/k/{GROUP}/widgets/{namespace}/{name}/")
    why = page.locator("section.why")
    expect(why).to_contain_text("Why this state", timeout=30_000)
    expect(why.locator(".why-rule")).to_have_text("generic/stalled-condition")
    expect(why.locator(".why-when")).to_have_text('conditions.Stalled.status == "True"')
    expect(why.locator("table.why-inputs")).to_contain_text("conditions.Stalled.status")
    expect(why.locator("table.why-inputs")).to_contain_text('"True"')
    page.screenshot(path="/tmp/h_why.png", full_page=True)

    page.click("text=Try a rule for Widget")
    expect(page.locator("h1")).to_have_text("Health rules")
    expect(page.locator("#shipped-rules")).to_contain_text("argo-cd/Application")
    _evaluate(page, _draft(prefix))
    summary = page.locator("#rt-summary")
    expect(summary).to_contain_text("1 would change state", timeout=30_000)
    expect(summary).to_contain_text("the draft decides 1")
    row = page.locator("#rt-changes tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(name)
    expect(row.locator("td").nth(1)).to_contain_text("Failed")
    expect(row.locator("td").nth(2)).to_contain_text("InProgress")
    expect(row.locator("td").nth(2)).to_contain_text(
        f'team/widgets-on-hold: name.startsWith("{prefix}") (name="{name}")'
    )
    page.screenshot(path="/tmp/h_tester.png", full_page=True)

    _evaluate(page, _draft(prefix).replace("state: InProgress", "state: Sideways"))
    expect(page.locator("#rt-error-field")).to_have_text("rules[0].cases[0].state")
    expect(page.locator("#rt-error-position")).to_contain_text("line 8, column")
    expect(page.locator("#rt-changes")).to_have_count(0)
    assert watched.errors == [] and watched.console_errors == []


def test_a_limited_users_tester_sees_only_their_namespace(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    grants: Grants,
    watched: Watched,
) -> None:
    page = watched.page
    page.goto(f"{token_dashboard.url}/signin?next=/")
    page.fill("input[name='token']", control_plane.tokens["limited"])
    page.click("button[type='submit']")
    page.locator(".topbar a.toplink", has_text="Health rules").click()  # on every page
    expect(page.locator("h1")).to_have_text("Health rules")
    kinds = page.locator("#rt-kind option")
    expect(kinds).to_have_count(1)  # Widgets only: Databases are listable nowhere for them
    page.fill("#rt-rules", _draft("", state="Failed").replace('name.startsWith("")', "true"))
    page.click("#rule-tester button[type='submit']")
    rows = page.locator("#rt-changes tbody tr")
    expect(rows.first).to_be_visible(timeout=30_000)
    namespaces = {text.strip() for text in rows.locator("td.name .muted").all_inner_texts()}
    assert namespaces == {grants.allowed_ns}
    assert grants.other_ns not in page.locator("#rt-result").inner_text()
    page.screenshot(path="/tmp/h_limited.png")
    assert watched.errors == []
