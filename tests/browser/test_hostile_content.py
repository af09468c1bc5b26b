"""Object content is attacker-controlled: it must render as text and never run."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, status_for, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

IMG = "<img src=x onerror=\"window.__xss='img';alert(1)\">"
SCRIPT = "<script>window.__xss='script';alert(2)</script>"
SVG = "<svg onload=\"window.__xss='svg'\"></svg>"


def test_hostile_strings_render_as_text(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    created = create_widget(
        kube,
        namespace,
        "hostile",
        annotations={"example.com/img": IMG, "example.com/script": SCRIPT, "example.com/svg": SVG},
    )
    status = status_for(
        WIDGET, created, outcome="Stalled", observed_generation=1, rng=random.Random(5)
    )
    for condition in status["conditions"]:
        condition["message"] = f"{IMG} {SCRIPT}"
        if condition["type"] == "Stalled":
            condition["reason"] = "Boom<b>Failed</b>"
    write_status(kube, WIDGET, created, status=status, field_manager="evil")

    page = watched.page
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    wait_live(page)
    expect(page.locator("#rows tr", has_text="hostile")).to_contain_text("Failed")

    page.goto(f"{dashboard.url}/")
    wait_live(page)
    row = page.locator("#attention-rows tr", has_text="hostile")
    expect(row).to_contain_text("<script>window.__xss", timeout=30_000)

    page.locator("#attention-rows a", has_text="hostile").click()
    wait_live(page)
    annotations = page.locator(".annotations")
    expect(annotations).to_contain_text(IMG)
    expect(annotations).to_contain_text(SCRIPT)
    expect(annotations).to_contain_text(SVG)
    expect(page.locator(".conditions")).to_contain_text("Boom<b>Failed</b>")
    expect(page.locator("#obj-yaml")).to_contain_text("onerror")
    assert page.locator(".annotations img, .annotations script, .conditions b").count() == 0
    assert page.evaluate("window.__xss") is None
    assert watched.dialogs == []
