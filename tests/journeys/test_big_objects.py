"""An operator opens pages whose live content is larger than one WebSocket message.

daphne refuses to send a message over 1 MiB and drops the socket. A 1.4 MB object's page,
or a page of 100 rows with 10 KB printer cells, used to kill the socket on every connect:
the page reconnected in a loop while its indicator said "live". Now the page stays on one
socket, is live for real (a change shows up), and the huge YAML loads on request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocket, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import wait_live
from tests.informers.kit import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

ROWS = 100
CELL = 10 * 1024
BIG = 1_400_000


def _crd(group: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"bulks.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "kind": "Bulk",
                "plural": "bulks",
                "singular": "bulk",
                "listKind": "BulkList",
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "additionalPrinterColumns": [
                        {"name": "Note", "type": "string", "jsonPath": ".spec.note"},
                    ],
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def bulky(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DashboardServer, str, str]]:
    """A dashboard watching its own group: 100 wide rows and one 1.4 MB object."""
    group = f"t{uuid.uuid4().hex[:8]}.crscope.test"
    ns = f"bulk-{uuid.uuid4().hex[:6]}"
    kube.request(
        "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body=_crd(group)
    )
    kube.request(
        "POST",
        "/api/v1/namespaces",
        body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
    )
    collection = f"/apis/{group}/v1/namespaces/{ns}/bulks"

    def served() -> bool:
        try:
            kube.request("GET", collection)
            return True
        except Exception:
            return False

    wait_until(served, timeout=30, message="CRD served")
    for i in range(ROWS):
        note = f"row-{i:03d}-" + "w" * CELL
        _create(kube, collection, f"wide-{i:03d}", {"note": note})
    # Varied lines, so the YAML is big as text and as highlighted HTML.
    lines = [f"line {i}: " + "x" * 60 for i in range(BIG // 70)]
    _create(kube, collection, "huge", {"note": "huge", "lines": lines, "tail": "END-OF-HUGE"})
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=Path(tmp_path_factory.mktemp("bulky")),
        extra_env={"CRSCOPE_INCLUDE_GROUPS": group},
    )
    server.start()
    yield server, group, ns
    server.stop()
    kube.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bulks.{group}")


def _create(kube: KubeHTTP, collection: str, name: str, spec: dict[str, Any]) -> None:
    body = {
        "apiVersion": collection.split("/")[2] + "/v1",
        "kind": "Bulk",
        "metadata": {"name": name},
        "spec": spec,
    }
    kube.request("POST", collection, body=body)


def _wait_for(page: Page, condition: str) -> None:
    """Wait for a JS condition (huge texts stay out of the failure message)."""
    page.wait_for_function(f"() => {condition}", timeout=30_000)


def _count_sockets(page: Page) -> list[WebSocket]:
    opened: list[WebSocket] = []
    page.on("websocket", lambda ws: opened.append(ws))
    return opened


def test_a_list_of_wide_rows_stays_live_on_one_socket(
    bulky: tuple[DashboardServer, str, str], kube: KubeHTTP, watched: Watched
) -> None:
    server, group, ns = bulky
    page = watched.page
    sockets = _count_sockets(page)
    page.goto(f"{server.url}/k/{group}/bulks/?namespace={ns}&limit={ROWS}")
    wait_live(page, timeout=30_000)
    expect(page.locator("#rows tr")).to_have_count(ROWS)

    # Live for real: a change to one row shows up without a reload.
    kube.request(
        "PATCH",
        f"/apis/{group}/v1/namespaces/{ns}/bulks/wide-050",
        body={"spec": {"note": "changed-" + "v" * CELL}},
        content_type=MERGE_PATCH,
    )
    _wait_for(page, "document.querySelector('#rows').textContent.includes('changed-')")
    expect(page.locator("#rows tr")).to_have_count(ROWS)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    assert len(sockets) == 1, f"the page reconnected: {len(sockets)} sockets"
    assert watched.errors == []


def test_a_huge_objects_page_stays_live_and_loads_its_yaml_on_request(
    bulky: tuple[DashboardServer, str, str], kube: KubeHTTP, watched: Watched
) -> None:
    server, group, ns = bulky
    page = watched.page
    sockets = _count_sockets(page)
    page.goto(f"{server.url}/k/{group}/bulks/{ns}/huge/")
    wait_live(page, timeout=30_000)
    panel = page.locator("#obj-yaml")
    expect(panel.get_by_role("button", name="Show YAML")).to_be_visible()
    expect(panel.locator(".yaml-lazy")).to_contain_text("too large to keep live")

    kube.request(
        "PATCH",
        f"/apis/{group}/v1/namespaces/{ns}/bulks/huge",
        body={"metadata": {"labels": {"touched": "by-the-test"}}},
        content_type=MERGE_PATCH,
    )
    expect(page.locator("#view")).to_contain_text("by-the-test", timeout=30_000)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    assert len(sockets) == 1, f"the page reconnected: {len(sockets)} sockets"

    page.screenshot(path=str(Path(server.workdir) / "huge-lazy.png"))
    panel.get_by_role("button", name="Show YAML").click()
    _wait_for(page, "document.querySelector('#yaml-text').textContent.includes('END-OF-HUGE')")
    _wait_for(page, "document.querySelector('#yaml-text').textContent.includes('by-the-test')")
    page.screenshot(path=str(Path(server.workdir) / "huge-detail.png"))
    assert watched.errors == []
