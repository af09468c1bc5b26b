"""Put an object back as a past revision had it, with the commands the page gives.

Why a journey: "restore this revision" is only true if what a person copies, pasted into
a shell with the real kubectl against the real apiserver, leaves the object's spec and
labels equal to the revision's, including fields and labels added since, and never
writes the redaction placeholder into a secret. The restore then shows on the timeline
under its own field manager. A limited user gets the same 404 for an object they may not
see as for one that does not exist.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, clipboard_once, open_object, wait_live
from tests.kubectl import Kubectl
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines
NAME = "restore-me"
PASSWORD = "s3cret-restore-pw"


def _create(kube: KubeHTTP, namespace: str) -> dict[str, Any]:
    body = {
        "apiVersion": WIDGET.api_version,
        "kind": "Widget",
        "metadata": {"name": NAME, "namespace": namespace, "labels": {"app": "one"}},
        "spec": {
            "size": 10,
            "color": "red",
            "replicas": 2,
            "auth": {"username": "svc", "password": PASSWORD},
        },
    }
    return kube.request("POST", WIDGET.collection_path(namespace), body=body)


def _copy(page: Page, label: str) -> str:
    page.evaluate("navigator.clipboard.writeText('')")
    page.get_by_role("button", name=label).click()
    return clipboard_once(page, lambda text: text != "")


def _get(kube: KubeHTTP, namespace: str) -> dict[str, Any]:
    return kube.request("GET", WIDGET.object_path(NAME, namespace))


def test_restore_a_revision_with_the_copied_commands(
    dashboard: DashboardServer,
    kube: KubeHTTP,
    kubectl: Kubectl,
    namespace: str,
    watched: Watched,
) -> None:
    created = _create(kube, namespace)
    kube.request(
        "PATCH",
        WIDGET.object_path(NAME, namespace),
        body={
            "metadata": {"labels": {"app": "two", "tier": "web"}},
            "spec": {"size": 20, "image": "registry.local/widget:2.0"},
        },
        content_type=MERGE_PATCH,
    )
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)
    open_object(page, f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page, timeout=WAIT)
    created_item = page.locator("#timeline-items li.tl-added")
    expect(page.locator("#timeline-items li.tl-modified")).to_have_count(1, timeout=WAIT)
    created_item.get_by_role("link", name="restore…").click()

    expect(page.locator("h1")).to_contain_text("Restore")
    changes = page.locator("table.restore-diff tbody")
    for text in ("spec.size", "spec.image", "labels.tier", "labels.app"):
        expect(changes).to_contain_text(text)
    expect(changes).not_to_contain_text("status")
    expect(page.locator(".left-out")).to_have_text("spec.auth.password")
    assert PASSWORD not in page.content()

    remove = _copy(page, "Copy the remove command")
    apply = _copy(page, "Copy the apply command")
    assert "***" not in apply and PASSWORD not in apply
    for command in (remove, apply):
        done = kubectl.paste(command)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"

    restored = _get(kube, namespace)
    assert restored["spec"] == created["spec"]  # the password kept its (unchanged) value
    assert restored["metadata"]["labels"] == {"app": "one"}
    managers = {m["manager"] for m in restored["metadata"]["managedFields"]}
    assert "crscope-restore" in managers

    page.goto(f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page, timeout=WAIT)
    expect(page.locator("#timeline-items li.tl-modified").first).to_contain_text(
        "crscope-restore", timeout=WAIT
    )
    assert watched.errors == []


def test_restoring_again_is_a_no_op_and_says_so(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    _create(kube, namespace)
    page = watched.page
    open_object(page, f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page, timeout=WAIT)
    page.locator("#timeline-items li.tl-added").get_by_role("link", name="restore…").click()
    expect(page.locator("table.restore-diff tbody")).to_contain_text("already equal")
    expect(page.get_by_role("button", name="Copy the remove command")).to_have_count(0)


def test_a_bad_revision_is_a_clear_error_not_a_500(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    _create(kube, namespace)
    page = watched.page
    open_object(page, f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    base = f"{dashboard.url}{LIST}{namespace}/{NAME}/restore/"
    response = page.goto(f"{base}?rev=<script>")
    assert response is not None and response.status == 400
    expect(page.locator("[role=alert]")).to_contain_text("expected a revision number")
    response = page.goto(f"{base}?rev=999999999")
    assert response is not None and response.status == 404


def test_a_limited_user_cannot_restore_what_they_may_not_see(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    _create(kube, grants.allowed_ns)
    _create(kube, grants.other_ns)
    page = watched.page
    page.goto(f"{token_dashboard.url}/signin?next=/")
    page.fill("input[name='token']", control_plane.tokens["limited"])
    page.click("button[type='submit']")
    expect(page.locator("#conn")).to_be_attached(timeout=WAIT)
    # Their own object's page opens (so the cache holds both objects by now) ...
    open_object(page, f"{token_dashboard.url}{LIST}{grants.allowed_ns}/{NAME}/")
    page.locator("#timeline-items li.tl-added").get_by_role("link", name="restore…").click()
    expect(page.locator("table.restore-diff")).to_be_visible(timeout=WAIT)
    # ... the same name in a namespace they may not read is a 404, as if it did not exist.
    for name in (NAME, "never-existed"):
        response = page.goto(f"{token_dashboard.url}{LIST}{grants.other_ns}/{name}/restore/?rev=1")
        assert response is not None and response.status == 404
        assert "restore-diff" not in page.content() and "spec.size" not in page.content()
