"""Reading what changed: a range diff names every writer, YAML reads as YAML, keyed paths by key.

The operator picks the first and the last revision of an object that three field managers
wrote, and reads the diff. What they must see: every manager of the range (not only the
last), a unified YAML view with one line per line, and a condition change named by its
type (``conditions[Ready].message``) rather than by an index that depends on list order.
"""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, status_for, write_params, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, open_object, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

NAME = "range-widget"


def _three_writers(kube: KubeHTTP, namespace: str) -> None:
    created = create_widget(kube, namespace, NAME)
    ready = status_for(
        WIDGET, created, outcome="Ready", observed_generation=1, rng=random.Random(1)
    )
    after_ready = write_status(kube, WIDGET, created, status=ready, field_manager="ctrl-a")
    kube.request(
        "PATCH",
        WIDGET.object_path(NAME, namespace),
        body={"spec": {"size": 7}},
        content_type=MERGE_PATCH,
        query=write_params("alice-cli"),
    )
    stalled = status_for(
        WIDGET, after_ready, outcome="Stalled", observed_generation=2, rng=random.Random(2)
    )
    write_status(kube, WIDGET, after_ready, status=stalled, field_manager="ctrl-b")


def test_range_diff_names_all_managers_and_reads_cleanly(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    page = watched.page
    _three_writers(kube, namespace)
    open_object(page, f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page)
    revisions = page.locator("#timeline-items .tl-rev")
    expect(revisions).to_have_count(4, timeout=30_000)

    # The status write changed the Ready condition's message: named by its type.
    newest = revisions.first
    expect(newest.locator(".chip.path", has_text="conditions[Ready].message")).to_be_visible()
    assert "/status/conditions/0" not in newest.inner_text()

    first_id = revisions.last.locator("input[name=from]").get_attribute("value")
    last_id = newest.locator("input[name=to]").get_attribute("value")
    diff_href = newest.locator("a.diff-link").get_attribute("href")
    assert first_id and last_id and diff_href
    base = diff_href.split("?", 1)[0]

    page.goto(f"{dashboard.url}{diff_href}")
    expect(page.locator("table.diff")).to_contain_text("status.conditions[Ready].message")
    expect(page.locator(".diff-range")).to_contain_text("by ctrl-b")

    page.goto(f"{dashboard.url}{base}?from={first_id}&to={last_id}")
    header = page.locator(".diff-range")
    for manager in ("ctrl-a", "alice-cli", "ctrl-b"):
        expect(header).to_contain_text(manager)

    page.get_by_role("link", name="Unified YAML").click()
    unified = page.locator("pre.unified")
    expect(unified).to_contain_text("size: 7")
    text = unified.inner_text()
    spans = unified.locator("span").count()
    # One visual line per diff line: no blank line between two lines of YAML.
    assert "\n\n" not in text.strip("\n"), text[:400]
    assert len(text.strip("\n").split("\n")) == spans
