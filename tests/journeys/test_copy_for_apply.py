"""Copy YAML for apply: what lands on the clipboard can be fed to ``kubectl apply`` as is.

The operator opens an object whose spec holds a password and presses "Copy for apply". The
clipboard must hold the object without server-owned fields (uid, resourceVersion,
generation, creationTimestamp, managedFields) or status, and without the redaction
placeholder: a redacted field is left out, and a comment names it so it can be set before
applying. The plain "Copy" keeps copying the YAML as shown.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, status_for, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, clipboard_once, create_widget, open_object, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

NAME = "apply-widget"
SERVER_OWNED = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields")


def test_copy_for_apply_leaves_out_server_fields_and_secrets(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    created = create_widget(kube, namespace, NAME)
    password = created["spec"]["auth"]["password"]
    ready = status_for(
        WIDGET, created, outcome="Ready", observed_generation=1, rng=random.Random(3)
    )
    write_status(kube, WIDGET, created, status=ready, field_manager="ctrl")
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)
    open_object(page, f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page)
    expect(page.locator("#obj-yaml")).to_contain_text("conditions", timeout=30_000)

    page.get_by_role("button", name="Copy for apply").click()
    expect(page.locator("#toast, .toast").first).to_contain_text("Copied")
    text: str = page.evaluate("navigator.clipboard.readText()")

    assert "***redacted***" not in text and password not in text
    assert "# Left out because they are redacted" in text
    assert "#   spec.auth.password" in text
    applied: dict[str, Any] = yaml.safe_load(text)
    meta = applied["metadata"]
    assert (meta["name"], meta["namespace"]) == (NAME, namespace)
    assert not set(SERVER_OWNED) & set(meta)
    assert "status" not in applied
    assert "password" not in applied["spec"]["auth"]
    assert applied["spec"]["size"] == created["spec"]["size"]
    assert (applied["apiVersion"], applied["kind"]) == (created["apiVersion"], created["kind"])

    page.get_by_role("button", name="Copy", exact=True).click()
    shown = clipboard_once(page, lambda t: t != text)
    assert "resourceVersion" in shown and "***redacted***" in shown
