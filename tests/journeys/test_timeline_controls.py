"""Narrow an object's timeline to a window, a part, a field manager or its Events, and
read a controller's repeated status writes as one row.

Why a journey: the controls are only true if the rows left are exactly the revisions that
changed that part (or were written by that manager), on the page, on "Load older" and in
what the live socket pushes while the view is open; and a heartbeat that rewrites one
status field over and over must read as one row with its count, while the whole story
stays one click away.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, write_params, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import (
    LIST,
    create_widget,
    open_object,
    wait_history,
    wait_live,
)
from tests.kube_events import post_event

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines
NAME = "tl-controls"
ROWS = "#timeline-items li.tl-rev"


def _status(tick: int) -> dict[str, Any]:
    """A heartbeat: only a timestamp moves, which the diff records as noise."""
    condition = {
        "type": "Ready",
        "status": "True",
        "reason": "Heartbeat",
        "message": "all good",
        "lastTransitionTime": f"2026-01-01T00:00:{tick:02d}Z",
    }
    return {"observedGeneration": 1, "conditions": [condition]}


def _spec(kube: KubeHTTP, namespace: str, size: int) -> None:
    kube.request(
        "PATCH",
        WIDGET.object_path(NAME, namespace),
        body={"spec": {"size": size}},
        content_type=MERGE_PATCH,
        query=write_params("alice"),
    )


def test_narrow_fold_and_follow_live(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    created = create_widget(kube, namespace, NAME)
    for tick in range(3):  # a controller's heartbeat: the same path, the same state
        write_status(kube, WIDGET, created, status=_status(tick), field_manager="ctrl")
    _spec(kube, namespace, 42)
    wait_history(dashboard, namespace, NAME, 5)
    page = watched.page
    url = f"{dashboard.url}{LIST}{namespace}/{NAME}/"

    # Default: the heartbeats after the first (which added the status: other paths) are
    # one row with their count.
    open_object(page, url)
    wait_live(page, timeout=WAIT)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(4)  # spec, heartbeats x2, the first status write, created
    folded = rows.filter(has=page.locator(".chip.count"))
    expect(folded).to_have_count(1)
    expect(folded.locator(".chip.count")).to_have_text("\u00d72")
    expect(page.locator("#timeline-total")).to_have_text("5 revisions")

    # Every status write: the rows come back.
    page.get_by_label("every status write").check()
    page.locator(".tl-filters").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(f"{url}?window=&changes=&manager=&collapse=0", timeout=WAIT)
    expect(rows).to_have_count(5)

    # Spec only: the spec change and the creation, nothing by the controller.
    page.goto(f"{url}?changes=spec")
    wait_live(page, timeout=WAIT)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("alice")
    expect(page.locator("#timeline-total")).to_have_text("2 revisions")
    # ... and while it is open, a status write is not pushed; a spec change is.
    write_status(kube, WIDGET, created, status=_status(9), field_manager="ctrl")
    _spec(kube, namespace, 43)
    expect(rows).to_have_count(3, timeout=WAIT)
    wait_history(dashboard, namespace, NAME, 7)
    expect(rows).to_have_count(3)
    assert "ctrl" not in page.locator("#timeline-items").inner_text()
    # The pushed row diffs with the revision recorded just before it (the hidden status
    # write), not with the spec change shown below it.
    pushed_diff = rows.first.locator("a.diff-link").get_attribute("href") or ""
    shown_below = (rows.nth(1).get_attribute("id") or "").removeprefix("rev-")
    assert "from=" in pushed_diff and f"from={shown_below}&" not in pushed_diff

    # One field manager.
    page.goto(f"{url}?manager=ctrl&collapse=0")
    wait_live(page, timeout=WAIT)
    # (A write that changed only noise credits no manager, so not every heartbeat is here.)
    expect(rows.first).to_contain_text("by ctrl")
    assert rows.count() >= 2
    expect(rows.filter(has_text="by ctrl")).to_have_count(rows.count())
    assert "alice" not in page.locator("#timeline-items").inner_text()
    expect(page.locator("select[name=manager]")).to_have_value("ctrl")

    # Events only, and a window.
    post_event(
        kube, created, reason="SlowHeartbeat", type_="Warning", message="the heartbeat is late"
    )
    page.goto(f"{url}?changes=events&window=1h")
    wait_live(page, timeout=WAIT)
    expect(page.locator("#timeline-items li.tl-event")).to_contain_text(
        "SlowHeartbeat", timeout=WAIT
    )
    expect(rows).to_have_count(0)

    # A value the form never sends: a clear 400, the whole timeline still shown.
    response = page.goto(f"{url}?window=forever")
    assert response is not None and response.status == 400
    expect(page.locator("main [role=alert]")).to_contain_text("window: expected one of")
    # Folded again: spec, tick 9, spec, ticks 2-1 as one row, tick 0, created.
    expect(rows).to_have_count(6)
    assert watched.errors == []
