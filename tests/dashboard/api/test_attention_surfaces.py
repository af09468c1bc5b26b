"""The home page's "Needs attention" list and ``/api/v1/health`` give one order.

Why a test across both surfaces: the two used to rank with rules of their own (the page
put stuck objects before Terminating ones, the API the reverse), so an operator and a
script reading the same cluster were told different "worst first" answers. Both now use
``dashboard.core.listing.attention``; this test reads both surfaces of one server for one fixed
set of objects and checks that they name the same objects in the same order.
"""

from __future__ import annotations

from typing import Any

import pytest

from devkit.controlplane.samples import DATABASE, WIDGET
from tests.dashboard.api.client import Api, Objects
from tests.dashboard.ui.dom import Node, parse
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

FINALIZER = "demo.crscope.dev/cleanup"


def _api_order(api: Api, namespace: str) -> list[str] | None:
    body: dict[str, Any] = api.json("/api/v1/health", {"namespace": namespace})
    if body["attentionTotal"] != 3:
        return None
    return [item["name"] for item in body["attention"]]


def _page_order(api: Api, namespace: str) -> list[str] | None:
    """The names of this namespace's rows in the home page's attention table, top down."""
    response = api.get("/")
    assert response.status_code == 200, response.text[:500]
    (body,) = [n for n in parse(response.text).iter() if n.attrs.get("id") == "attention-rows"]
    names = [_object_cell(row) for row in body.find_all("tr")]
    mine = [text.split("/", 1)[1] for text in names if text.startswith(f"{namespace}/")]
    return mine if len(mine) == 3 else None


def _object_cell(row: Node) -> str:
    cells = row.find_all("td", "obj")
    return cells[0].text.strip() if cells else ""


def test_home_page_and_health_api_rank_needs_attention_alike(
    api: Api, objects: Objects, namespace: str
) -> None:
    """Failed, then stuck, then (not yet stuck) Terminating, on both surfaces."""
    objects.set_outcome(
        DATABASE, objects.create(DATABASE, namespace=namespace, name="slow"), "Reconciling"
    )
    objects.set_outcome(
        WIDGET, objects.create(WIDGET, namespace=namespace, name="busy"), "Reconciling"
    )
    leaving = objects.create(WIDGET, namespace=namespace, name="leaving")
    objects.patch(WIDGET, leaving, {"metadata": {"finalizers": [FINALIZER]}})
    objects.delete(WIDGET, leaving)
    objects.set_outcome(
        WIDGET, objects.create(WIDGET, namespace=namespace, name="failed"), "Stalled"
    )
    try:
        # Databases are stuck after 2 s InProgress on this server; Widgets after 10 min,
        # so "busy" needs no attention and "leaving" is Terminating but not stuck.
        from_api = wait_for(lambda: _api_order(api, namespace), what="three need attention")
        from_page = wait_for(lambda: _page_order(api, namespace), what="three rows on /")
        assert from_api == ["failed", "slow", "leaving"]
        assert from_page == from_api
    finally:
        objects.patch(WIDGET, leaving, {"metadata": {"finalizers": None}})
