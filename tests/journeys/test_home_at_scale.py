"""Open the home page of a cluster with 60 kinds, most of them empty, one with 300 failures.

Why a journey: with cert-manager, Istio, Prometheus and Crossplane installed, a cluster has
60+ kinds, most with no objects in the namespaces that matter. The home page showed a card
per kind, so "Needs attention" began three screens down, and 300 failures of one kind were
300 near-identical rows. An operator opening the page must see the attention table on the
first screen, the failures grouped by kind and reason with a link to the filtered list, and
the empty kinds folded into one line. The grouped count must stay live.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import assert_not_reloaded, mark_page, wait_live
from tests.informers.kit import delete_crd, make_crd

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

KINDS = 60
EMPTY = KINDS - 5  # Widget, three Gizmos with a few failures, one healthy kind
PER_REASON = 150
VIEWPORT_HEIGHT = 800


@dataclass
class Scale:
    server: DashboardServer
    group: str
    kubeconfig: Path


def _object(group: str, kind: str, name: str) -> dict[str, Any]:
    return {"apiVersion": f"{group}/v1", "kind": kind, "metadata": {"name": name}, "spec": {}}


def _ready(reason: str, ok: bool) -> dict[str, Any]:
    return {
        "conditions": [
            {
                "type": "Ready",
                "status": "True" if ok else "False",
                "reason": reason,
                "message": f"{reason}: the backend did not answer",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ]
    }


def _create_with_status(
    kube: KubeHTTP, *, group: str, kind: str, name: str, status: dict[str, Any]
) -> None:
    """Create a cluster-scoped object and write its status, as a controller would."""
    path = f"/apis/{group}/v1/{kind.lower()}s"
    created = kube.request("POST", path, body=_object(group, kind, name))
    created["status"] = status
    kube.request("PUT", f"{path}/{name}/status", body=created)


def _in_parallel(kubeconfig: Path, jobs: list[dict[str, Any]], work: Any, workers: int = 4) -> None:
    """Run ``work(kube, **job)`` for every job, a few clients at a time."""

    def run(chunk: list[dict[str, Any]]) -> None:
        client = KubeHTTP.from_kubeconfig(kubeconfig)
        try:
            for job in chunk:
                work(client, **job)
        finally:
            client.close()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, [jobs[i::workers] for i in range(workers)]))


def _kinds() -> list[str]:
    return ["Widget", "Gizmoa", "Gizmob", "Gizmoc", "Healthy"] + [
        f"Empty{i:02d}" for i in range(EMPTY)
    ]


@pytest.fixture
def scale(control_plane: ControlPlane, tmp_path: Path) -> Iterator[Scale]:
    group = f"scale{uuid.uuid4().hex[:8]}.crscope.test"
    kubeconfig = control_plane.kubeconfig_path("admin")
    kinds = _kinds()
    crds = [{"kind": k} for k in kinds]

    def crd(kube: KubeHTTP, kind: str) -> None:
        make_crd(kube, group=group, kind=kind, plural=f"{kind.lower()}s", namespaced=False)

    server = DashboardServer(
        kubeconfig=kubeconfig,
        workdir=tmp_path / "srv",
        extra_env={"CRSCOPE_INCLUDE_GROUPS": group, "CRSCOPE_EVENTS": "off"},
    )
    try:
        _in_parallel(kubeconfig, crds, crd)
        objects = [
            {
                "group": group,
                "kind": "Widget",
                "name": f"w-{reason.lower()}-{i:03d}",
                "status": _ready(reason, False),
            }
            for reason in ("BackendError", "QuotaFailed")
            for i in range(PER_REASON)
        ]
        objects += [
            {
                "group": group,
                "kind": kind,
                "name": f"{kind.lower()}-{i}",
                "status": _ready("ReconcileError", False),
            }
            for kind in ("Gizmoa", "Gizmob", "Gizmoc")
            for i in range(2)
        ]
        objects.append(
            {"group": group, "kind": "Healthy", "name": "fine", "status": _ready("Ready", True)}
        )
        _in_parallel(kubeconfig, objects, _create_with_status)
        server.start(timeout=180)
        yield Scale(server=server, group=group, kubeconfig=kubeconfig)
    finally:
        server.stop()
        kube = KubeHTTP.from_kubeconfig(kubeconfig)
        try:
            for kind in kinds:
                with contextlib.suppress(ApiError):
                    delete_crd(kube, f"{kind.lower()}s.{group}")
        finally:
            kube.close()


def _top(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box["y"]


def test_home_at_scale_shows_attention_first_grouped_and_empty_kinds_folded(
    watched: Watched, scale: Scale
) -> None:
    page = watched.page
    page.goto(f"{scale.server.url}/", timeout=60_000)
    wait_live(page, timeout=60_000)
    mark_page(page)
    summary = page.locator("#attention-summary")
    expect(summary).to_contain_text("306 objects need attention", timeout=60_000)

    # The attention table starts on the first screen, not three screens down.
    assert _top(page, "#attention table") < VIEWPORT_HEIGHT

    # 300 failures of one kind are two rows, one per reason, with a count and a link.
    rows = page.locator("#attention-rows tr")
    backend = rows.filter(has_text="BackendError").filter(has_text="Widget")
    expect(backend).to_have_count(1)
    expect(backend).to_contain_text(f"{PER_REASON} objects")
    expect(rows.filter(has_text="QuotaFailed")).to_contain_text(f"{PER_REASON} objects")
    # A few failures stay rows of their own, each naming its object.
    expect(rows.filter(has_text="gizmoa-0")).to_have_count(1)
    assert rows.count() < 20

    # Empty kinds fold into one line; the cards left are the kinds with objects, worst first.
    folded = page.locator("#empty-kinds")
    expect(folded).to_contain_text(f"{EMPTY} kinds with no objects")
    expect(folded.get_by_role("link", name="Empty00")).to_be_hidden()
    cards = page.locator("#health-cards .card .card-title")
    expect(cards).to_have_count(5)
    titles = cards.all_inner_texts()
    assert titles[0] == "Widget", titles
    assert titles[-1] == "Healthy", titles
    # The fold opens from the keyboard, and its kinds are links to their lists.
    folded.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(folded.get_by_role("link", name="Empty00")).to_be_visible()

    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(scale.server.workdir / f"home-at-scale-{scheme}.png"))

    # Live: one more BackendError joins its group without a reload.
    kube = KubeHTTP.from_kubeconfig(scale.kubeconfig)
    try:
        _create_with_status(
            kube,
            group=scale.group,
            kind="Widget",
            name="w-late",
            status=_ready("BackendError", False),
        )
    finally:
        kube.close()
    expect(backend).to_contain_text(f"{PER_REASON + 1} objects", timeout=30_000)
    expect(summary).to_contain_text("307 objects need attention")
    assert_not_reloaded(page)

    # The group's link opens the kind's list filtered to what the group counts.
    backend.get_by_role("link", name=f"{PER_REASON + 1} objects").click()
    page.wait_for_url("**state=Failed**", timeout=30_000)
    list_rows = page.locator("#rows tr")
    expect(list_rows.first).to_be_visible(timeout=30_000)
    expect(page.locator("#list-summary")).to_contain_text(f"of {2 * PER_REASON + 1} matching")
    for text in list_rows.all_inner_texts():
        assert "Failed" in text and "w-" in text, text
    assert not watched.errors
