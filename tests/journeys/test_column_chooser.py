"""The column chooser: show kubectl's "wide" printer columns, hide others, stay live.

Why a journey: the choice lives in the URL, so it must survive paging, sorting and the
live feed's row updates (a pushed row with other columns than its header would put every
value under the wrong heading). The sample Database kind has a priority-1 column,
``Endpoint``, that kubectl shows only with ``-o wide``.
"""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import DATABASE, sample_object, status_for, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import assert_not_reloaded, mark_page, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines
LIST = "/k/demo.crscope.dev/databases/"


def create_database(kube: KubeHTTP, namespace: str, name: str) -> dict[str, object]:
    obj = sample_object(DATABASE, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    obj["spec"]["engine"] = "postgres"
    made: dict[str, object] = kube.request("POST", DATABASE.collection_path(namespace), body=obj)
    return made


def make_ready(kube: KubeHTTP, made: dict[str, object]) -> None:
    status = status_for(
        DATABASE, made, outcome="Ready", observed_generation=1, rng=random.Random(0)
    )
    write_status(kube, DATABASE, made, status=status, field_manager="journey-controller")


def headings(page: Page) -> list[str]:
    return [h.strip(" ▲▼") for h in page.locator("table.list thead th").all_inner_texts()]


def cell(page: Page, name: str, heading: str) -> str:
    """The text under ``heading`` in ``name``'s row."""
    index = headings(page).index(heading)
    row = page.locator("#rows tr", has=page.locator("td.name", has_text=name))
    return row.locator("td").nth(index).inner_text()


def test_wide_columns_chosen_kept_and_live(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    first = create_database(kube, namespace, "cols-a")
    create_database(kube, namespace, "cols-b")
    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    expect(page.locator("#rows tr")).to_have_count(2, timeout=WAIT)
    assert "Endpoint" not in headings(page)  # kubectl's default leaves it out

    wait_live(page)
    page.locator("#columns-chooser summary").click()
    page.get_by_role("checkbox", name="Endpoint wide").check()
    expect(page.locator("table.list thead th", has_text="Endpoint")).to_have_count(1, timeout=WAIT)
    page.get_by_role("checkbox", name="Version").uncheck()
    expect(page.locator("table.list thead th", has_text="Version")).to_have_count(0, timeout=WAIT)
    assert "columns=" in page.url
    assert headings(page)[:4] == ["Name", "Namespace", "State", "Engine"]
    assert "Endpoint" in headings(page)
    expect(page.get_by_role("checkbox", name="Endpoint wide")).to_be_checked()  # still open

    # Live: the controller reports an endpoint; the pushed row has the chosen columns.
    mark_page(page)
    make_ready(kube, first)
    endpoint = f"cols-a.{namespace}.svc:5432"
    expect(
        page.locator("#rows tr", has=page.locator("td.name", has_text="cols-a"))
    ).to_contain_text(endpoint, timeout=WAIT)
    assert cell(page, "cols-a", "Endpoint") == endpoint
    assert_not_reloaded(page)

    # Sorting keeps the choice; a reload of the URL shows the same columns.
    page.locator("table.list thead th a", has_text="Endpoint").click()
    expect(page.locator("table.list thead th[aria-sort]")).to_contain_text("Endpoint", timeout=WAIT)
    assert "Version" not in headings(page)
    page.reload()
    assert "Endpoint" in headings(page) and "Version" not in headings(page)
    assert watched.errors == []


def test_an_unknown_column_is_named_not_a_500(
    dashboard: DashboardServer, namespace: str, watched: Watched
) -> None:
    page = watched.page
    response = page.goto(f"{dashboard.url}{LIST}?namespace={namespace}&columns=%3Cb%3Enope")
    assert response is not None and response.status == 400
    expect(page.locator("#filter-error")).to_contain_text("no column '<b>nope'")
    assert page.locator("#filter-error b").count() == 0
    assert "Engine" in headings(page)  # kubectl's default, the bad name left out
