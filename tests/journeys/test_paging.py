"""Paging through a kind's list while objects change: summary, pager and rows always agree.

Why a journey: the server-rendered page was right, but the live connection re-rendered
the summary and pager from its own reading of the URL (which dropped ``prev=``, the empty
token of page one), so page 2 said "1-100" and "page 1" a moment after loading, and
Previous led elsewhere. Only a real browser on a live socket, with changes arriving,
shows what the operator meets.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, patch_spec, wait_live
from tests.journeys.frames import LiveFrames

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

TOTAL = 250
PAGE = 100
NAMES = [f"pg-{i:03d}" for i in range(TOTAL)]  # the default sort is by name
DASH = "\u2013"  # the summary reads "101\u2013200 of 250 matching"
PREVIOUS = "\u2039 Previous"
NEXT = "Next \u203a"


@pytest.fixture
def widgets(kube: KubeHTTP, namespace: str) -> list[str]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda name: create_widget(kube, namespace, name), NAMES))
    return NAMES


@pytest.fixture
def churn(kube: KubeHTTP, namespace: str, widgets: list[str]) -> Iterator[threading.Event]:
    """Patch random Widgets until the test ends, so live updates reach every page."""
    stop = threading.Event()
    rng = random.Random(13)

    def run() -> None:
        while not stop.is_set():
            with contextlib.suppress(ApiError):  # churn is best effort
                patch_spec(kube, namespace, rng.choice(widgets), {"size": rng.randint(1, 999)})
            stop.wait(0.05)  # pacing, not synchronisation: keep the loaded machine usable

    thread = threading.Thread(target=run, name="churn", daemon=True)
    thread.start()
    yield stop
    stop.set()
    thread.join(timeout=30)


def expect_window(page: Page, number: int) -> None:
    """Summary, page indicator and rows all describe page ``number``."""
    first = (number - 1) * PAGE + 1
    last = min(number * PAGE, TOTAL)
    summary = f"{first}{DASH}{last} of {TOTAL} matching"
    expect(page.locator("#list-summary")).to_contain_text(summary)
    expect(page.locator("#list-pager .muted")).to_have_text(f"page {number}")
    names = page.locator("#rows tr.row:not(.leaving) td.name a")
    expect(names).to_have_text(NAMES[first - 1 : last], timeout=30_000)
    expect(page.get_by_role("link", name=PREVIOUS)).to_have_count(1 if number > 1 else 0)
    expect(page.get_by_role("link", name=NEXT)).to_have_count(1 if last < TOTAL else 0)


def wait_until(page: Page, script: str, *, timeout: float = 20.0) -> None:
    """Poll ``script`` until true (the CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {script}")
        page.wait_for_timeout(50)  # polling interval of a bounded wait


def wait_scrolled_to_top(page: Page) -> None:
    wait_until(page, "window.scrollY === 0", timeout=5.0)


def go(page: Page, frames: LiveFrames, link: str, number: int) -> None:
    """Click a pager link from the bottom of the page and check the page that follows."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    wait_until(page, "window.scrollY > 0", timeout=5.0)
    since = frames.mark()
    page.get_by_role("link", name=link).click()
    expect(page.locator("#list-pager .muted")).to_have_text(f"page {number}", timeout=30_000)
    wait_scrolled_to_top(page)
    frames.wait_full_refresh(since)
    expect_window(page, number)


def test_paging_forward_and_back_under_churn(
    dashboard: DashboardServer,
    namespace: str,
    widgets: list[str],
    churn: threading.Event,
    watched: Watched,
) -> None:
    page = watched.page
    frames = LiveFrames(page)
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    expect(page.locator("#list-summary")).to_contain_text(f"of {TOTAL} matching", timeout=30_000)
    wait_live(page)
    expect_window(page, 1)

    go(page, frames, NEXT, 2)
    go(page, frames, NEXT, 3)
    go(page, frames, PREVIOUS, 2)
    go(page, frames, PREVIOUS, 1)

    # A shared link to page 2, loaded afresh, keeps saying page 2 once the feed is live.
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    expect(page.locator("#list-summary")).to_contain_text(f"of {TOTAL} matching")
    href = page.get_by_role("link", name=NEXT).get_attribute("href")
    since = frames.mark()
    page.goto(f"{dashboard.url}{LIST}{href}")
    wait_live(page)
    frames.wait_full_refresh(since)
    expect_window(page, 2)
    assert watched.errors == []
