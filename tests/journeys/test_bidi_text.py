"""Bidirectional text in objects stays inside its own box (issue 14, low).

Object text is attacker-controlled, and a right-to-left override (U+202E) or a run of
Hebrew can reorder the text around it: "payment ‮gnp.exe" reads as something else, and a
reason can appear to swap places with the state beside it. Wherever object text is shown
(names, namespaces, messages, reasons, cells, annotations, notification text), it must sit
directly in an element that isolates it (``<bdi>`` or ``unicode-bidi: isolate``).
"""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, status_for, write_status
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, create_widget, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

RLO = "\u202e"
HOSTILE = f"שלום {RLO}exe.txt"
NAME = "bidi-widget"

# For every text node holding the override: is its own element an isolate?
NOT_ISOLATED = """
(mark) => {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.nodeValue.includes(mark)) continue;
    const el = node.parentElement;
    if (el.closest("[hidden], template, script")) continue;
    const bidi = getComputedStyle(el).unicodeBidi;
    if (el.tagName !== "BDI" && !["isolate", "isolate-override", "plaintext"].includes(bidi)) {
      bad.push(el.tagName + "." + el.className + ": " + bidi);
    }
  }
  return bad;
}
"""


def _not_isolated(page: Page) -> list[str]:
    result: list[str] = page.evaluate(NOT_ISOLATED, RLO)
    return result


def test_object_text_is_isolated_wherever_it_is_shown(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    created = create_widget(kube, namespace, NAME, annotations={"example.com/note": HOSTILE})
    status = status_for(
        WIDGET, created, outcome="Stalled", observed_generation=1, rng=random.Random(7)
    )
    for condition in status["conditions"]:
        condition["message"] = HOSTILE
        if condition["type"] == "Stalled":
            condition["reason"] = f"Boom{RLO}Failed"
    write_status(kube, WIDGET, created, status=status, field_manager="bidi")
    page = watched.page

    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}")
    wait_live(page)
    expect(page.locator("#rows tr", has_text=NAME)).to_contain_text("Failed")
    assert _not_isolated(page) == []

    page.goto(f"{dashboard.url}/")
    wait_live(page)
    expect(page.locator("#attention-rows tr", has_text=NAME)).to_be_visible(timeout=30_000)
    assert _not_isolated(page) == []

    page.goto(f"{dashboard.url}{LIST}{namespace}/{NAME}/")
    wait_live(page)
    expect(page.locator(".conditions")).to_contain_text("exe.txt")
    expect(page.locator(".annotations")).to_contain_text("exe.txt")
    assert _not_isolated(page) == []
