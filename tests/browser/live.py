"""Small helpers shared by the browser tests: sample objects and waiting for "live"."""

from __future__ import annotations

import json
import random
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object, status_for, write_status
from devkit.dashboard_server import DashboardServer

LIST = "/k/demo.crscope.dev/widgets/"


def create_widget(kube: KubeHTTP, namespace: str, name: str, **meta: Any) -> dict[str, Any]:
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    obj["metadata"].update(meta)
    return kube.request("POST", WIDGET.collection_path(namespace), body=obj)


def patch_spec(kube: KubeHTTP, namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return kube.request(
        "PATCH", WIDGET.object_path(name, namespace), body={"spec": spec}, content_type=MERGE_PATCH
    )


def stall_widget(kube: KubeHTTP, created: dict[str, Any]) -> dict[str, Any]:
    """Write a Stalled condition to a Widget's status, as its controller would: Failed."""
    status = status_for(
        WIDGET, created, outcome="Stalled", observed_generation=1, rng=random.Random(0)
    )
    return write_status(kube, WIDGET, created, status=status, field_manager="test-controller")


def delete_widget(kube: KubeHTTP, namespace: str, name: str) -> None:
    kube.request("DELETE", WIDGET.object_path(name, namespace))


def wait_live(page: Page, timeout: float = 10_000) -> None:
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=timeout)


def open_object(page: Page, url: str, timeout: float = 30.0) -> None:
    """Open an object's page once the dashboard's cache holds the object.

    An object created a moment ago reaches the dashboard through its watch, so a page opened
    straight after the create can be an honest 404 (with no live socket). Waiting here keeps
    the test about the page, not about how fast the watch event arrived.
    """
    deadline = time.monotonic() + timeout
    while True:
        response = page.goto(url)
        status = response.status if response is not None else 0
        if status == 200:
            return
        assert time.monotonic() < deadline, f"{url} still answers {status} after {timeout} s"
        time.sleep(0.25)


def clipboard_once(page: Page, done: Callable[[str], bool], timeout: float = 10.0) -> str:
    """The clipboard's text once ``done`` accepts it (the write is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        text: str = page.evaluate("navigator.clipboard.readText()")
        if done(text) or time.monotonic() > deadline:
            return text
        page.wait_for_timeout(50)


def wait_history(
    dashboard: DashboardServer, namespace: str, name: str, total: int, timeout: float = 120.0
) -> None:
    """Wait until the history API has ``total`` revisions of the Widget (the writer batches)."""
    url = (
        f"{dashboard.url}/api/v1/resources/demo.crscope.dev/widgets/namespaces/"
        f"{namespace}/{name}/history?limit=1"
    )
    deadline, seen = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url, timeout=30) as response:
            seen = json.load(response)["total"]
        if seen >= total:
            return
        time.sleep(0.2)  # polling interval of a bounded wait
    raise AssertionError(f"history holds {seen} of {total} revisions after {timeout} s")


def mark_page(page: Page) -> None:
    """A flag that only survives if the page is never reloaded."""
    page.evaluate("window.__noReload = 'still here'")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload") == "still here"


def poll_page(page: Page, url: str, done: Callable[[Page], bool], timeout: float = 60.0) -> None:
    """Reload ``url`` until ``done`` holds: the history writer stores Events in batches."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if done(page):
            return
        assert time.monotonic() < deadline, f"{url}: condition not met after {timeout} s"
        page.wait_for_timeout(300)


def sign_in(page: Page, dashboard: DashboardServer, token: str) -> None:
    page.goto(f"{dashboard.url}/")
    page.fill("input[name='token']", token)
    page.click("button[type='submit']")
    expect(page.locator(".topbar .user")).to_be_visible(timeout=30_000)
