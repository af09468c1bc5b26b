"""The home page scoped to a namespace: a team's own health, live, and nothing else.

Why a journey: a team lead opens the dashboard, picks their namespace, and must see only
their objects in "Needs attention" and their counts on the cards, also after the live
feed's first push (which would otherwise replace the page with the whole cluster's). A
limited user scoping to a namespace they may not list learns nothing about it.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import ensure_namespace
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    assert_not_reloaded,
    create_widget,
    mark_page,
    poll_page,
    sign_in,
    stall_widget,
    wait_live,
)
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines


def make_namespace(kube: KubeHTTP) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    ensure_namespace(kube, name)
    return name


def attention_namespaces(page: Page) -> set[str]:
    texts = page.locator("#attention-rows tr td.obj").all_inner_texts()
    return {text.split("/", 1)[0] for text in texts}


def test_home_scoped_to_a_namespace_stays_scoped_live(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    other = make_namespace(kube)
    stall_widget(kube, create_widget(kube, namespace, "scope-mine"))
    stall_widget(kube, create_widget(kube, other, "scope-theirs"))
    page = watched.page

    poll_page(
        page,
        f"{dashboard.url}/?namespace={namespace}",
        lambda p: p.locator("#attention-rows tr", has_text="scope-mine").count() == 1,
    )
    expect(page.locator("h1")).to_contain_text(f"in {namespace}")
    expect(page.locator("select[name='namespace']")).to_have_value(namespace)
    assert attention_namespaces(page) == {namespace}
    card = page.locator(".card", has_text="Widget").first
    assert card.locator("a").first.get_attribute("href") == (
        f"/k/demo.crscope.dev/widgets/?namespace={namespace}"
    )

    # Live: a new failure elsewhere stays out; one here slides in, without a reload.
    wait_live(page)
    mark_page(page)
    stall_widget(kube, create_widget(kube, other, "scope-theirs-2"))
    stall_widget(kube, create_widget(kube, namespace, "scope-mine-2"))
    expect(page.locator("#attention-rows tr", has_text="scope-mine-2")).to_have_count(
        1, timeout=WAIT
    )
    assert attention_namespaces(page) == {namespace}
    assert page.locator("#attention-rows tr", has_text="scope-theirs").count() == 0
    assert_not_reloaded(page)

    # The picker goes back to the whole cluster.
    page.select_option("select[name='namespace']", "")
    expect(page.locator("h1")).to_have_text("Health", timeout=WAIT)
    expect(page.locator("select[name='namespace']")).to_have_value("")
    assert watched.errors == []


def test_limited_user_scoping_to_a_hidden_namespace_learns_nothing(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    stall_widget(kube, create_widget(kube, grants.other_ns, "scope-hidden"))
    stall_widget(kube, create_widget(kube, grants.allowed_ns, "scope-visible"))
    page = watched.page
    sign_in(page, token_dashboard, control_plane.tokens["limited"])
    poll_page(
        page,
        f"{token_dashboard.url}/?namespace={grants.allowed_ns}",
        lambda p: p.locator("#attention-rows tr", has_text="scope-visible").count() == 1,
    )
    options = page.locator("select[name='namespace'] option").all_inner_texts()
    assert grants.other_ns not in options

    page.goto(f"{token_dashboard.url}/?namespace={grants.other_ns}")
    wait_live(page)
    expect(page.locator("#attention-rows tr")).to_have_count(0)
    assert page.locator(".card").count() == 0
    assert "scope-hidden" not in page.content()


@pytest.mark.parametrize("value", ["%00", "Not_A_Namespace", "a" * 64])
def test_what_cannot_name_a_namespace_is_a_400_not_the_whole_cluster(
    dashboard: DashboardServer, watched: Watched, value: str
) -> None:
    page = watched.page
    for path in ("/", "/events/warned/"):
        response = page.goto(f"{dashboard.url}{path}?namespace={value}")
        assert response is not None and response.status == 400, path
        expect(page.locator("body")).to_contain_text("not a namespace name")
