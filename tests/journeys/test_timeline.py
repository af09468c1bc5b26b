"""A long-lived object's timeline: every revision is reachable, counted, and diffable.

Why a journey: the timeline used to stop at its newest 100 entries without a word, while
the history API held them all, and the oldest row it showed had no "diff with previous"
because the revision before it was not on the page. An operator reading a busy object's
past met a truncated story that looked complete.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, patch_spec, wait_history, wait_live
from tests.journeys.frames import LiveFrames

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

REVISIONS = 150
NAME = "long-lived"


def image_at(revision: int) -> str:
    """spec.image written by revision ``revision`` (2.. are patches; 1 is the create)."""
    return f"registry.local/widget:rev-{revision}"


def test_timeline_pages_to_the_first_revision(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    create_widget(kube, namespace, NAME)
    for revision in range(2, REVISIONS + 1):
        patch_spec(kube, namespace, NAME, {"image": image_at(revision)})
    wait_history(dashboard, namespace, NAME, REVISIONS)

    page = watched.page
    frames = LiveFrames(page)
    page.goto(f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page)
    # The live connection re-renders the timeline once on connect; let it, then read.
    frames.wait_full_refresh(0, updates=0)

    expect(page.locator("#timeline-total")).to_have_text(f"{REVISIONS} revisions")
    revisions = page.locator("#timeline-items .tl-rev")
    expect(revisions).to_have_count(100)
    expect(revisions.first).to_contain_text("Modified")

    # The oldest revision on the first page still diffs against the one before it.
    oldest_shown = revisions.last
    diff_link = oldest_shown.locator("a.diff-link", has_text="diff with previous")
    expect(diff_link).to_have_count(1)
    diff_href = diff_link.get_attribute("href")
    assert diff_href

    more = page.get_by_role("button", name="Load older")
    expect(more).to_be_visible()
    expect(page.locator("#timeline-items .tl-more")).to_contain_text("50 older")
    more.click()
    expect(revisions).to_have_count(REVISIONS, timeout=30_000)
    expect(revisions.last).to_contain_text("Created")
    expect(revisions.last.locator("a.diff-link")).to_have_count(0)  # nothing before the first
    expect(more).to_have_count(0)
    expect(page.locator("#timeline-items .tl-start")).to_contain_text("first recorded revision")
    # No entry twice across the two pages.
    ids = page.locator("#timeline-items > li[id]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), ids

    # A revision made now arrives live at the top, and the count follows.
    patch_spec(kube, namespace, NAME, {"image": image_at(REVISIONS + 1)})
    expect(page.locator("#timeline-total")).to_have_text(
        f"{REVISIONS + 1} revisions", timeout=30_000
    )
    expect(revisions).to_have_count(REVISIONS + 1)
    expect(revisions.first.locator("a.diff-link")).to_have_count(1)

    page.goto(f"{dashboard.url}{diff_href}")
    expect(page.locator("h1")).to_contain_text("Diff")
    row = page.locator("table.diff tr", has_text="spec.image")
    expect(row.locator("td.old")).to_have_text(image_at(REVISIONS - 100))
    expect(row.locator("td.new")).to_have_text(image_at(REVISIONS - 99))
    assert watched.errors == []
