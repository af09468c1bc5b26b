"""Time travel: a kind's list as it stood at a past time, from history.

Why a journey: the question is "what did this list look like before the incident?", and
the answer must be the objects that existed then, with their values then, on the page a
person opens from the live list, including page 2. The sequence is recorded against the
real apiserver (creates, an update, a delete); each moment is read back in Chromium.
Times the record cannot answer are refused with the reason, never shown as an empty
list. A limited user sees the past only where they may list now.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    LIST,
    create_widget,
    delete_widget,
    patch_spec,
    poll_page,
    sign_in,
    wait_history,
    wait_live,
)
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines


def past(dashboard: DashboardServer, at: float, **params: str) -> str:
    return f"{dashboard.url}{LIST}?{urlencode({**params, 'at': f'{at:.3f}'})}"


def names(page: Page) -> list[str]:
    return page.locator("#rows tr td.name").all_inner_texts()


def size_of(page: Page, name: str) -> str:
    """The Size printer column of ``name``'s row (the first column after the state)."""
    row = page.locator("#rows tr", has=page.locator("td.name", has_text=name))
    return row.locator("td.col-integer").first.inner_text()


def moment() -> float:
    """A time strictly between what was recorded before and what happens after."""
    time.sleep(0.05)
    now = time.time()
    time.sleep(0.05)
    return now


def test_a_kinds_list_at_past_moments(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    create_widget(kube, namespace, "tt-alpha")
    patch_spec(kube, namespace, "tt-alpha", {"size": 3})
    create_widget(kube, namespace, "tt-bravo")
    wait_history(dashboard, namespace, "tt-alpha", 2)
    wait_history(dashboard, namespace, "tt-bravo", 1)
    before = moment()
    patch_spec(kube, namespace, "tt-alpha", {"size": 7})
    delete_widget(kube, namespace, "tt-bravo")
    create_widget(kube, namespace, "tt-charlie")
    wait_history(dashboard, namespace, "tt-alpha", 3)
    wait_history(dashboard, namespace, "tt-bravo", 2)  # its deletion
    wait_history(dashboard, namespace, "tt-charlie", 1)
    after = moment()

    page = watched.page
    page.goto(past(dashboard, before, namespace=namespace))
    expect(page.locator("#list-summary")).to_contain_text("from history (not live)")
    assert names(page) == ["tt-alpha", "tt-bravo"]
    assert size_of(page, "tt-alpha") == "3"
    page.goto(past(dashboard, after, namespace=namespace))
    assert names(page) == ["tt-alpha", "tt-charlie"]
    assert size_of(page, "tt-alpha") == "7"

    # Page 2 of the past, by the same pager as the live list: the range and rows agree.
    page.goto(past(dashboard, after, namespace=namespace, limit="1"))
    expect(page.locator("#list-summary")).to_contain_text("1\u20131 of 2 matching")
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#list-summary")).to_contain_text("2\u20132 of 2 matching", timeout=WAIT)
    assert names(page) == ["tt-charlie"]
    assert f"at={after:.3f}" in page.url

    # Another filter keeps the exact time (the slider snaps to its steps; "at" does not).
    page.goto(past(dashboard, before, namespace=namespace))
    wait_live(page)
    page.select_option("select[name='limit']", "25")
    expect(page.locator("select[name='limit']")).to_have_value("25", timeout=WAIT)
    expect(page).to_have_url(re.compile(r"limit=25"), timeout=WAIT)
    assert f"at={before:.3f}" in page.url
    assert names(page) == ["tt-alpha", "tt-bravo"]

    # From the live list: Time travel opens the slider; moving it to the end is "now".
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    page.get_by_role("link", name="Time travel").click()
    slider = page.locator("#at-slider")
    expect(slider).to_be_visible(timeout=WAIT)
    expect(page.locator("#back-to-live")).to_be_visible()
    assert page.locator("input[name='stuck']").count() == 0  # not known for the past
    wait_live(page)  # the page's scripts are running: the slider's change is sent
    slider.focus()
    page.keyboard.press("End")
    expect(page.locator("#list-summary")).to_contain_text("2 matching", timeout=WAIT)
    assert names(page) == ["tt-alpha", "tt-charlie"]
    assert "at=" in page.url and f"namespace={namespace}" in page.url
    shots = dashboard.workdir
    page.screenshot(path=str(shots / "timetravel-light.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots / "timetravel-dark.png"))
    page.emulate_media(color_scheme="light")
    page.get_by_role("link", name="Back to live").click()
    expect(page.locator("#time-travel")).to_be_visible(timeout=WAIT)
    assert "at=" not in page.url
    assert watched.errors == []


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        ("in-an-hour", "in the future"),
        ("0", "before the history retention horizon"),
        ("yesterday", "expected a time such as"),
        ("nan", "expected a time"),
        # once 500s: a valid number or time that no timestamp can show
        ("99999999999999", "between 1970 and 9999"),
        ("1e18", "between 1970 and 9999"),
        ("-1", "between 1970 and 9999"),
        ("0001-01-01T00:00:00+14:00", "expected a time"),
    ],
)
def test_times_the_record_cannot_answer_are_refused(
    dashboard: DashboardServer, namespace: str, watched: Watched, at: str, reason: str
) -> None:
    value = str(time.time() + 3600) if at == "in-an-hour" else at
    page = watched.page
    query = urlencode({"namespace": namespace, "at": value})
    response = page.goto(f"{dashboard.url}{LIST}?{query}")
    assert response is not None and response.status == 400
    expect(page.locator("#filter-error")).to_contain_text(reason)
    expect(page.locator("#list-summary")).to_contain_text("pick a recorded time")
    expect(page.locator("#rows tr")).to_have_count(0)
    expect(page.locator("#at-slider")).to_be_visible()  # the way to a time that works


def test_limited_user_sees_the_past_only_where_they_may_list(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    create_widget(kube, grants.allowed_ns, "tt-mine")
    create_widget(kube, grants.other_ns, "tt-hidden-object")
    browser = watched.page.context.browser
    assert browser is not None
    admin_context = browser.new_context()
    admin = admin_context.new_page()
    sign_in(admin, token_dashboard, control_plane.tokens["admin"])
    poll_page(  # both recorded: the admin's past list shows them
        admin,
        f"{token_dashboard.url}{LIST}?at={time.time():.3f}&search=tt-",
        lambda p: {"tt-mine", "tt-hidden-object"} <= set(names(p)),
    )
    admin_context.close()
    at = moment()

    page = watched.page
    sign_in(page, token_dashboard, control_plane.tokens["limited"])
    page.goto(f"{token_dashboard.url}{LIST}?at={at:.3f}&search=tt-")
    expect(page.locator("#list-summary")).to_contain_text("from history", timeout=WAIT)
    assert names(page) == ["tt-mine"]
    content = page.content()
    for secret in (grants.other_ns, "tt-hidden-object"):
        assert secret not in content
    page.goto(f"{token_dashboard.url}{LIST}?at={at:.3f}&namespace={grants.other_ns}")
    expect(page.locator("#list-summary")).to_contain_text("No objects match")
    assert "tt-hidden-object" not in page.content()
