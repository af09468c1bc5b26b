"""An operator's day on the keyboard alone, at k9s's level.

She opens a list, tabs past the top bar with the skip link, moves the row cursor with j/k,
opens the second row with Enter, copies its YAML with ``y``, goes back with Esc, jumps to
another kind with ``:`` and a few fuzzy letters, reads the keys with ``?`` and goes home with
``g h``. Rows change under her cursor (the live socket swaps them by id) and the cursor must
stay on her object, or at its place when the object goes. A limited user's palette offers
only the kinds they may list. Every check is on what the page shows: the cursor row's class
and aria-selected, the focused element, the URL, the clipboard.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    LIST,
    create_widget,
    delete_widget,
    open_object,
    patch_spec,
    stall_widget,
    wait_live,
)
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines
NAMES = ("kb-a", "kb-b", "kb-c", "kb-d")
CURSOR = "#rows tr.cursor"


def _focused_row(page: Page) -> str:
    """The id of the row holding the focused element ("" when focus is elsewhere)."""
    found: str = page.evaluate(
        "() => { const r = document.activeElement && document.activeElement.closest('tr');"
        " return r ? r.id : ''; }"
    )
    return found


def _expect_cursor_on(page: Page, name: str) -> None:
    cursor = page.locator(CURSOR)
    expect(cursor).to_have_count(1, timeout=WAIT)
    expect(cursor).to_contain_text(name, timeout=WAIT)
    expect(cursor).to_have_attribute("aria-selected", "true")
    row_id = cursor.get_attribute("id")
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.closest('tr')"
        " && document.activeElement.closest('tr').id === id",
        arg=row_id,
        timeout=WAIT,
    )


def _open_list(page: Page, url: str, namespace: str) -> None:
    page.goto(f"{url}{LIST}?namespace={namespace}")
    expect(page.locator("#rows tr.row[id]")).to_have_count(len(NAMES), timeout=WAIT)
    wait_live(page, timeout=WAIT)


def test_keyboard_only_journey(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    for name in NAMES:
        create_widget(kube, namespace, name)
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)
    _open_list(page, dashboard.url, namespace)

    # The skip link is the first Tab stop, visible when focused; it lands on the first row.
    page.keyboard.press("Tab")
    skip = page.locator("#skip-link")
    expect(skip).to_be_focused(timeout=WAIT)
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    _expect_cursor_on(page, "kb-a")  # one Tab (and Enter) to the first row

    # j j Enter opens the second row (the cursor starts nowhere on a fresh page).
    _open_list(page, dashboard.url, namespace)
    expect(page.locator(CURSOR)).to_have_count(0)
    page.keyboard.press("j")
    _expect_cursor_on(page, "kb-a")
    page.keyboard.press("j")
    _expect_cursor_on(page, "kb-b")
    page.keyboard.press("k")
    page.keyboard.press("ArrowDown")
    _expect_cursor_on(page, "kb-b")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{dashboard.url}{LIST}{namespace}/kb-b/", timeout=WAIT)
    wait_live(page, timeout=WAIT)

    # y copies the YAML for apply, and says so.
    page.keyboard.press("y")
    expect(page.locator("#toast")).to_contain_text("Copied YAML for apply", timeout=WAIT)
    copied: str = page.evaluate("navigator.clipboard.readText()")
    applied = yaml.safe_load(copied)
    assert applied["metadata"]["name"] == "kb-b"
    assert "resourceVersion" not in applied["metadata"] and "status" not in applied

    # Esc goes back to the list it came from.
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{dashboard.url}{LIST}?namespace={namespace}", timeout=WAIT)
    expect(page.locator("#rows tr.row[id]")).to_have_count(len(NAMES), timeout=WAIT)

    # ? shows the keys in a modal dialog; focus stays in it; Esc closes it and focus returns.
    page.keyboard.press("j")
    _expect_cursor_on(page, "kb-a")
    page.keyboard.press("?")
    help_dialog = page.locator("#keys-help")
    expect(help_dialog).to_be_visible(timeout=WAIT)
    expect(help_dialog).to_have_attribute("open", "")
    expect(help_dialog).to_contain_text("open the row")
    inside = "document.getElementById('keys-help').contains(document.activeElement)"
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
    page.keyboard.press("j")  # keys of the page are off while the dialog is open
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden(timeout=WAIT)
    _expect_cursor_on(page, "kb-a")
    expect(page).to_have_url(f"{dashboard.url}{LIST}?namespace={namespace}")

    # / focuses the search; keys typed there are text, not commands; Esc clears it, then
    # leaves it. Modifier keys are not commands either.
    page.keyboard.press("/")
    search = page.locator("#global-search")
    expect(search).to_be_focused(timeout=WAIT)
    page.keyboard.type("jk")
    expect(search).to_have_value("jk")
    expect(page.locator(CURSOR)).to_contain_text("kb-a")
    page.keyboard.press("Escape")
    expect(search).to_have_value("")
    expect(search).to_be_focused()
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused(timeout=WAIT)
    expect(page).to_have_url(f"{dashboard.url}{LIST}?namespace={namespace}")
    page.locator("#rows tr", has_text="kb-a").locator("a").focus()
    page.keyboard.press("Alt+j")
    _expect_cursor_on(page, "kb-a")

    # : opens the kind palette; fuzzy letters and Enter open that kind's list.
    page.keyboard.press(":")
    palette = page.locator("#kind-palette")
    expect(palette).to_be_visible(timeout=WAIT)
    expect(page.locator("#palette-input")).to_be_focused()
    page.keyboard.type("dtbs")
    expect(page.locator("#palette-list [aria-selected=true]")).to_contain_text("Database")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{dashboard.url}/k/demo.crscope.dev/databases/", timeout=WAIT)

    # g h goes home.
    expect(page.locator("h1")).to_contain_text("Database", timeout=WAIT)
    page.keyboard.press("g")
    page.keyboard.press("h")
    expect(page).to_have_url(f"{dashboard.url}/", timeout=WAIT)
    assert watched.errors == []
    assert watched.console_errors == []


def test_cursor_survives_live_row_updates(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    for name in NAMES:
        create_widget(kube, namespace, name)
    page = watched.page
    _open_list(page, dashboard.url, namespace)
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")
    _expect_cursor_on(page, "kb-c")

    # Its row is replaced by a live update: the cursor and the focus stay on it.
    page.evaluate("document.querySelector('#rows tr.cursor').__old = true")
    patch_spec(kube, namespace, "kb-c", {"color": "purple", "size": 77})
    page.wait_for_function(
        "() => { const r = [...document.querySelectorAll('#rows tr.row[id]')]"
        ".find(r => r.textContent.includes('kb-c')); return r && !r.__old; }",
        timeout=WAIT,
    )
    _expect_cursor_on(page, "kb-c")

    # A row above leaves: the cursor follows its object (by id), not its old index.
    delete_widget(kube, namespace, "kb-a")
    expect(page.locator("#rows tr.row[id]", has_text="kb-a")).to_have_count(0, timeout=WAIT)
    _expect_cursor_on(page, "kb-c")
    page.keyboard.press("j")
    _expect_cursor_on(page, "kb-d")

    # The cursor's own row leaves: the cursor stays at its place, clamped to the rows left.
    delete_widget(kube, namespace, "kb-d")
    expect(page.locator("#rows tr.row[id]", has_text="kb-d")).to_have_count(0, timeout=WAIT)
    _expect_cursor_on(page, "kb-c")
    page.keyboard.press("k")
    _expect_cursor_on(page, "kb-b")
    assert watched.errors == []


def test_limited_users_palette_offers_only_kinds_they_may_list(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    grants: Grants,
    watched: Watched,
) -> None:
    page = watched.page
    page.goto(f"{token_dashboard.url}/signin?next={LIST}")
    page.fill("input[name='token']", control_plane.tokens["limited"])
    page.click("button[type='submit']")
    expect(page.locator("#rows tr.row[id]")).to_have_count(2, timeout=WAIT)
    wait_live(page, timeout=WAIT)
    rail = page.locator("#rail-kinds .rail-kind-name").all_inner_texts()
    assert rail == ["Widget"]

    page.keyboard.press(":")
    options = page.locator("#palette-list [role=option] .palette-kind")
    expect(options).to_have_count(1, timeout=WAIT)
    assert options.all_inner_texts() == rail
    page.keyboard.type("db")  # Database exists, but not for this user
    expect(options).to_have_count(0, timeout=WAIT)
    expect(page.locator("#palette-empty")).to_be_visible()
    assert "Database" not in page.locator("#kind-palette").inner_text()
    assert watched.errors == []


def test_screenshots_of_keys_and_cursor(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    """Pictures for a person to look at (CRSCOPE_KEYS_SHOTS=dir); skipped otherwise."""
    out = os.environ.get("CRSCOPE_KEYS_SHOTS")
    if not out:
        pytest.skip("set CRSCOPE_KEYS_SHOTS to a directory to take the pictures")
    for name in NAMES:
        create_widget(kube, namespace, name)
    page = watched.page
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        _open_list(page, dashboard.url, namespace)
        page.keyboard.press("j")
        page.keyboard.press("j")
        _expect_cursor_on(page, "kb-b")
        page.screenshot(path=str(Path(out) / f"cursor-{scheme}.png"))
        page.keyboard.press("?")
        expect(page.locator("#keys-help")).to_be_visible(timeout=WAIT)
        page.screenshot(path=str(Path(out) / f"keys-{scheme}.png"))
        page.keyboard.press("Escape")
        page.keyboard.press(":")
        page.keyboard.type("wi")
        expect(page.locator("#palette-list [aria-selected=true]")).to_be_visible(timeout=WAIT)
        page.screenshot(path=str(Path(out) / f"palette-{scheme}.png"))


def test_home_attention_rows_take_the_cursor(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    """As the limited user, whose home page lists only their namespace: in the shared
    cluster, other tests' failures would otherwise group this row away or push it out."""
    created = create_widget(kube, grants.allowed_ns, "kb-failing")
    try:
        stall_widget(kube, created)
        page = watched.page
        page.goto(f"{token_dashboard.url}/signin?next=/")
        page.fill("input[name='token']", control_plane.tokens["limited"])
        page.click("button[type='submit']")
        rows = page.locator("#attention-rows tr.row[id]")
        expect(rows.filter(has_text="kb-failing")).to_have_count(1, timeout=WAIT)
        wait_live(page, timeout=WAIT)

        page.keyboard.press("j")
        cursor = page.locator("#attention-rows tr.cursor")
        expect(cursor).to_have_count(1, timeout=WAIT)
        expect(cursor).to_have_attribute("id", rows.first.get_attribute("id") or "")
        expect(cursor).to_have_attribute("aria-selected", "true")
        target = cursor.locator("td.obj a").get_attribute("href")
        assert target
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{token_dashboard.url}{target}", timeout=WAIT)
        assert watched.errors == []
    finally:
        delete_widget(kube, grants.allowed_ns, "kb-failing")


def test_esc_on_an_object_opened_directly_goes_up_to_its_kind(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    """A shared link has no page to go back to: Esc goes to the kind's list instead."""
    create_widget(kube, namespace, "kb-direct")
    page = watched.page
    open_object(page, f"{dashboard.url}{LIST}{namespace}/kb-direct/")
    wait_live(page, timeout=WAIT)
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{dashboard.url}{LIST}", timeout=WAIT)
    assert watched.errors == []
