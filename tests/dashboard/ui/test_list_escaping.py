"""Every cell of a list row is text: on the page, and in the rows pushed over the WebSocket.

Why on the DOM: the CSP stops injected script from running, so "no alert" proves little;
injected ``<img>``, ``<b>`` or a fake link still change what the operator sees. Each test
parses the HTML and checks that hostile values are the cells' text and no element.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from django.test import Client

from dashboard.core.listing.query import Row
from dashboard.ui.fragments import cache
from dashboard.ui.pages.listing import listing
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import (
    Engine,
    PrinterColumn,
    State,
    Status,
)
from informers.store import Entry
from tests.dashboard.ui.dom import Node, parse
from tests.dashboard.ui.gadgets import gadget_engine, gadget_kind
from tests.dashboard.ui.live import Live
from tests.informers.kit import wait_until

HOSTILE = '<img src=x onerror="alert(1)"><b>bold</b><a href="https://evil.example/">x</a>'
MARKUP = {"img", "b", "script"}
NOTE = PrinterColumn(name="Note", json_path=".spec.note", type="string")
OWNER = PrinterColumn(name="Owner", json_path=".status.owner", type="string")


def _row_cells(root: Node) -> list[Node]:
    rows = [tr for tr in root.find_all("tr") if tr.attrs.get("id", "").startswith("r-")]
    assert len(rows) == 1, [r.attrs for r in rows]
    return rows[0].find_all("td")


def _assert_hostile_cells_are_text(root: Node) -> None:
    """The row's reason, message and both string columns hold HOSTILE as text, nothing else."""
    cells = _row_cells(root)
    row = cells[0]
    for cell in cells:
        assert not (cell.tags() & MARKUP), (cell.tags(), cell)
        links = [a.attrs.get("href", "") for a in cell.find_all("a")]
        assert not any("evil.example" in href for href in links), links
    by_class = {c.attrs.get("class", ""): c for c in cells}
    assert by_class["col-string"] is not None
    strings = [c for c in cells if c.attrs.get("class") == "col-string"]
    assert [c.text for c in strings] == [HOSTILE, HOSTILE]
    reason = by_class["state"].find_all("span", "reason")
    assert [r.text for r in reason] == [HOSTILE]
    assert reason[0].attrs["title"] == HOSTILE  # the message, in an attribute
    assert row.attrs.get("class") == "name"


# -- the row fragment itself (no cluster: fast, and what the mutants target) ------------------


KIND = gadget_kind(NOTE, OWNER)


def test_row_fragment_escapes_every_cell() -> None:
    obj = {
        "metadata": {"name": "g", "namespace": "ns", "resourceVersion": uuid.uuid4().hex},
        "spec": {"note": HOSTILE},
        "status": {"owner": HOSTILE},
    }
    entry = Entry(
        key="ns/g", obj=obj, status=Status(State.FAILED, HOSTILE, HOSTILE), since=time.time()
    )
    html = listing.row_html(
        KIND, Row(entry=entry, columns={"Note": HOSTILE, "Owner": HOSTILE}, stuck=False)
    )
    assert HOSTILE not in html
    _assert_hostile_cells_are_text(parse(html))


def test_attention_row_escapes_reason_and_message() -> None:
    """The home page's "needs attention" table is a list too, pushed over the socket alike."""
    from dashboard.ui.pages.home import overview
    from dashboard.ui.pages.home.overview_feed import row_html

    obj = {"metadata": {"name": "g", "namespace": "ns", "resourceVersion": uuid.uuid4().hex}}
    entry = Entry(
        key="ns/g", obj=obj, status=Status(State.FAILED, HOSTILE, HOSTILE), since=time.time()
    )
    html = row_html(overview.AttentionRow(kind=KIND, entry=entry, stuck=False, rank=0))
    assert HOSTILE not in html
    root = parse(html)
    assert not (root.tags() & MARKUP)
    cells = {c.attrs.get("class", ""): c for c in root.find_all("td")}
    assert cells["reason"].text == HOSTILE
    assert cells["msg"].attrs["title"] == HOSTILE
    assert cells["msg"].text.startswith(HOSTILE[:100])  # shown truncated, as text


# -- the real list page and its live feed, on the real apiserver ------------------------------


@pytest.fixture(scope="module")
def hostile_engine(control_plane: ControlPlane, kube: KubeHTTP) -> Iterator[tuple[Engine, str]]:
    """An engine of this module's own CRD group (string printer columns take any text)."""
    with gadget_engine(control_plane, kube) as found:
        yield found


def _create_hostile(kube: KubeHTTP, engine: Engine, group: str, namespace: str, name: str) -> None:
    path = f"/apis/{group}/v1/namespaces/{namespace}/gadgets"
    kube.request(
        "POST",
        path,
        body={
            "apiVersion": f"{group}/v1",
            "kind": "Gadget",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"note": HOSTILE},
        },
    )
    condition = {
        "type": "Ready",
        "status": "False",
        "reason": HOSTILE,
        "message": HOSTILE,
        "lastTransitionTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    current = kube.request("GET", f"{path}/{name}")
    current["status"] = {"owner": HOSTILE, "conditions": [condition]}
    kube.request("PUT", f"{path}/{name}/status", body=current)
    informer = engine.informer(f"{group}/gadgets")
    assert informer is not None

    def cached() -> bool:
        entry = informer.store.get(f"{namespace}/{name}")
        return entry is not None and entry.status.reason == HOSTILE

    wait_until(cached, timeout=10, message="hostile gadget cached with its status")


@pytest.mark.cluster
def test_list_page_shows_hostile_cells_as_text(
    hostile_engine: tuple[Engine, str], kube: KubeHTTP, namespace: str
) -> None:
    engine, group = hostile_engine
    _create_hostile(kube, engine, group, namespace, "served")
    cache.clear()
    response = Client(REMOTE_ADDR="127.0.0.1").get(f"/k/{group}/gadgets/", {"namespace": namespace})
    assert response.status_code == 200
    html = response.content.decode()
    assert HOSTILE not in html
    tbody = [t for t in parse(html).find_all("tbody") if t.attrs.get("id") == "rows"]
    assert len(tbody) == 1
    _assert_hostile_cells_are_text(tbody[0])


@pytest.mark.cluster
async def test_pushed_rows_show_hostile_cells_as_text(
    hostile_engine: tuple[Engine, str], kube: KubeHTTP, namespace: str
) -> None:
    engine, group = hostile_engine
    cache.clear()
    async with Live(f"view=list&kind={group}/gadgets&namespace={namespace}") as live:
        first = await live.receive()
        assert first is not None and 'id="rows"' in first
        await asyncio.to_thread(_create_hostile, kube, engine, group, namespace, "pushed")
        # The create and the status write may arrive apart: wait for the row with both.
        pushed = await live.until(
            lambda m: "/pushed/" in m and m.count("evil.example") >= 4, timeout=15
        )
    assert HOSTILE not in pushed
    _assert_hostile_cells_are_text(parse(pushed))
