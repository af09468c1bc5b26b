"""The Events view: Warning and Normal Events across objects, filtered, live, per viewer.

Why a journey: an operator moving from ``kubectl get events -A`` (or k9s's ``:events``)
opens one page, narrows it to Warnings in their namespace, follows a row to the object,
and watches new Events arrive. The history writer batches its writes, so every wait here
is a bounded poll on what the page shows. A limited user must learn nothing about objects
they may not list: not their names, not their reasons, not that a filter matched them.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, status_for, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    LIST,
    assert_not_reloaded,
    create_widget,
    mark_page,
    poll_page,
    sign_in,
    stall_widget,
    wait_live,
)
from tests.kube_events import post_event
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def make_current(kube: KubeHTTP, created: dict[str, Any]) -> None:
    ready = status_for(
        WIDGET, created, outcome="Ready", observed_generation=1, rng=random.Random(1)
    )
    write_status(kube, WIDGET, created, status=ready, field_manager="journey-controller")


def warned_rows(page: Page, name: str) -> int:
    """Rows naming ``name`` in the home page's "Current, but warning" (loaded after the page)."""
    expect(page.locator("#warned[data-loaded]")).to_have_count(1, timeout=WAIT)
    return page.locator("#warned-rows tr", has_text=name).count()


def rows(page: Page) -> list[str]:
    return page.locator("#event-rows tr").all_inner_texts()


def test_events_across_objects_filtered_linked_live_and_escaped(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    warned = create_widget(kube, namespace, "ev-warned")
    calm = create_widget(kube, namespace, "ev-calm")
    make_current(kube, warned)
    stall_widget(kube, calm)  # Failed: listed under "Needs attention", not as warning-but-Current
    post_event(
        kube,
        warned,
        reason="BackOffJourney",
        message=HOSTILE,
        count=3,
        source="journey-controller",
    )
    post_event(kube, calm, reason="SyncedJourney", type_="Normal", message="all in sync")
    page = watched.page
    url = f"{dashboard.url}/events/?namespace={namespace}"
    poll_page(page, url, lambda p: len(rows(p)) == 2)

    # The table: type, reason, object, message, count, first and last seen.
    warning = page.locator("#event-rows tr", has_text="BackOffJourney")
    cells = warning.locator("td").all_inner_texts()
    assert cells[0].strip() == "Warning" and cells[1] == "BackOffJourney"
    assert cells[2] == f"Widget {namespace}/ev-warned"
    assert HOSTILE in cells[3] and "journey-controller" in cells[3]
    assert cells[4] == "3" and cells[5].endswith("ago") and cells[6].endswith("ago")
    expect(page.locator("#events-summary")).to_have_text("2 Events match")
    expect(page.locator("nav.topbar a, header.topbar a", has_text="Events")).to_be_visible()

    # Hostile text is text: escaped in the markup, nothing ran.
    markup = page.locator("#event-rows").inner_html()
    assert "&lt;script&gt;" in markup and "&lt;img" in markup
    assert "<script" not in markup and "<img" not in markup
    assert page.evaluate("window.__pwned") is None

    # Filter by type through the form: only Warnings, and the URL says so.
    page.select_option("select[name='type']", "Warning")
    expect(page.locator("#event-rows tr")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#event-rows tr")).to_contain_text("BackOffJourney")
    assert "type=Warning" in page.url and f"namespace={namespace}" in page.url

    # A bad parameter is a 400 with a message, never a 500.
    response = page.goto(f"{dashboard.url}/events/?namespace={namespace}&type=Fatal")
    assert response is not None and response.status == 400
    expect(page.locator("#filter-error")).to_contain_text("type: expected Warning or Normal")
    expect(page.locator("#event-rows tr")).to_have_count(2)
    response = page.goto(f"{dashboard.url}/events/?continue=forged")
    assert response is not None and response.status == 200
    expect(page.locator(".view-head .notice")).to_have_text(
        "that page link expired; showing the newest Events"
    )

    # Keyset pages: one Event a page, newest last-seen first, and back to the newest.
    page.goto(f"{dashboard.url}/events/?namespace={namespace}&limit=1")
    expect(page.locator("#event-rows tr")).to_have_count(1)
    reason = page.locator("#event-rows td.reason")
    first = reason.inner_text()
    page.locator("#events-pager a", has_text="Older").click()
    expect(reason).not_to_have_text(first, timeout=WAIT)
    assert {first, reason.inner_text()} == {"BackOffJourney", "SyncedJourney"}
    expect(page.locator("#event-rows tr")).to_have_count(1)
    expect(page.locator("#events-pager a", has_text="Older")).to_have_count(0)
    older_url = page.url
    page.locator("#events-pager a", has_text="Newest").click()
    expect(reason).to_have_text(first, timeout=WAIT)
    # A page token is bound to its filters: with another filter it is refused, not reused.
    response = page.goto(older_url.replace("limit=1", "limit=1&type=Normal"))
    assert response is not None and response.status == 200
    expect(page.locator(".view-head .notice")).to_contain_text("that page link expired")

    # Live: a new Warning slides in without a reload.
    page.goto(f"{dashboard.url}/events/?namespace={namespace}&type=Warning")
    wait_live(page, timeout=WAIT)
    mark_page(page)
    post_event(kube, calm, reason="LiveJourney", type_="Warning", message="arrived live")
    expect(page.locator("#event-rows tr").first).to_contain_text("LiveJourney", timeout=WAIT)
    expect(page.locator("#event-rows tr")).to_have_count(2)
    expect(page.locator("#events-summary")).to_have_text("2 Events match", timeout=WAIT)
    assert_not_reloaded(page)
    shots = dashboard.workdir
    page.screenshot(path=str(shots / "events-light.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots / "events-dark.png"))
    page.emulate_media(color_scheme="light")

    # The object link opens the object's page; from the keyboard too (j j Enter, as in k9s).
    page.locator("#event-rows tr", has_text="BackOffJourney").get_by_role(
        "link", name=f"{namespace}/ev-warned"
    ).click()
    expect(page).to_have_url(f"{dashboard.url}{LIST}{namespace}/ev-warned/")
    page.goto(f"{dashboard.url}/events/?namespace={namespace}&type=Warning")
    expect(page.locator("#event-rows tr")).to_have_count(2)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("#event-rows tr.cursor")).to_contain_text("BackOffJourney", timeout=WAIT)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{dashboard.url}{LIST}{namespace}/ev-warned/", timeout=WAIT)

    # Home: the Current object with a Warning in the last hour, linking to its Warnings.
    def home_lists_it(p: Page) -> bool:
        return warned_rows(p, "ev-warned") == 1

    poll_page(page, f"{dashboard.url}/", home_lists_it)
    row = page.locator("#warned-rows tr", has_text="ev-warned")
    expect(row).to_contain_text("BackOffJourney")
    assert page.locator("#warned-rows tr", has_text="ev-calm").count() == 0  # Failed
    row.get_by_role("link", name="Warnings…").click()
    expect(page.locator("#event-rows tr")).to_have_count(1, timeout=WAIT)
    assert "type=Warning" in page.url and "name=ev-warned" in page.url
    assert watched.errors == []


def test_limited_user_sees_events_only_where_they_may_list(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    mine = create_widget(kube, grants.allowed_ns, "ev-mine")
    theirs = create_widget(kube, grants.other_ns, "ev-hidden-object")
    for obj in (mine, theirs):
        make_current(kube, obj)
    hidden_name = theirs["metadata"]["name"]
    post_event(kube, mine, reason="MineWarned", type_="Warning", message="yours to see")
    post_event(kube, theirs, reason="SecretReason", type_="Warning", message="not for limited")

    # The admin sees both (so both Events are stored); the limited user only theirs.
    browser = watched.page.context.browser
    assert browser is not None
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    sign_in(admin, token_dashboard, control_plane.tokens["admin"])
    poll_page(
        admin,
        f"{token_dashboard.url}/events/?reason=SecretReason",
        lambda p: any(grants.other_ns in r for r in rows(p)),
    )
    admin_context.close()

    page = watched.page
    sign_in(page, token_dashboard, control_plane.tokens["limited"])
    poll_page(page, f"{token_dashboard.url}/events/", lambda p: "MineWarned" in p.content())
    content = page.content()
    for secret in (grants.other_ns, "SecretReason", "not for limited"):
        assert secret not in content
    assert page.locator("select[name='kind'] option").all_inner_texts() == [
        "all kinds",
        "Widget (demo.crscope.dev)",
    ]

    # A filter that matches only the hidden Event answers as if nothing were there.
    page.goto(f"{token_dashboard.url}/events/?reason=SecretReason")
    expect(page.locator("#events-summary")).to_have_text("No Events match")
    assert "not for limited" not in page.content()
    page.goto(f"{token_dashboard.url}/events/?namespace={grants.other_ns}")
    expect(page.locator("#events-summary")).to_have_text("No Events match")
    expect(page.locator("#event-rows tr")).to_have_count(0)

    # Live pushes are cut the same way.
    page.goto(f"{token_dashboard.url}/events/?type=Warning")
    wait_live(page, timeout=WAIT)
    post_event(kube, theirs, reason="HiddenLive", type_="Warning", message="pushed to nobody")
    post_event(kube, mine, reason="VisibleLive", type_="Warning", message="pushed to limited")
    expect(page.locator("#event-rows tr", has_text="VisibleLive")).to_have_count(1, timeout=WAIT)
    content = page.content()
    assert "HiddenLive" not in content and grants.other_ns not in content

    # Home: their own warned object, none of the other namespace's.
    poll_page(
        page,
        f"{token_dashboard.url}/",
        lambda p: warned_rows(p, "ev-mine") == 1,
    )
    warned = page.locator("#warned").inner_html()
    assert grants.other_ns not in warned and hidden_name not in page.locator("#warned").inner_text()
    assert grants.other_ns not in page.content()
    assert quote(grants.other_ns) not in page.content()

    # Revoked: the open Events page re-checks access and drops what it showed.
    page.goto(f"{token_dashboard.url}/events/?type=Warning")
    wait_live(page, timeout=WAIT)
    expect(page.locator("#event-rows tr", has_text="MineWarned")).to_have_count(1)
    kube.request("DELETE", grants.role_binding_path)
    expect(page.locator("#event-rows tr")).to_have_count(0, timeout=WAIT)
    expect(page.locator("#events-summary")).to_have_text("No Events match", timeout=WAIT)

    # Signed out elsewhere: the home section's next poll must not paste the sign-in form.
    page.goto(f"{token_dashboard.url}/")
    expect(page.locator("#warned[data-loaded]")).to_have_count(1, timeout=WAIT)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    page.request.post(
        f"{token_dashboard.url}/signout", form={"csrfmiddlewaretoken": csrf}, max_redirects=0
    )
    expect(page.locator("#warned")).to_have_count(0, timeout=60_000)  # one poll later
    expect(page.locator("main input[name='token']")).to_have_count(0)
    assert watched.errors == []
