"""Take the README's screenshots of every view, light and dark.

Run by hand (not collected by pytest)::

    .venv/bin/python -m tests.browser.screenshots            # own cluster + sample data
    .venv/bin/python -m tests.browser.screenshots --url URL  # an already running dashboard

Why a script and not a test: the pictures are for people to look at; a test cannot judge
them. It drives the same Debian Chromium the browser tests use, at 1280x800.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize, sync_playwright

from devkit.chromium import CHROMIUM, LAUNCH_ARGS

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
SIZE: ViewportSize = {"width": 1280, "height": 800}
OWNER = "orders-db"


@contextlib.contextmanager
def sample_dashboard() -> Iterator[str]:
    from devkit.controlplane import ControlPlane
    from devkit.controlplane.churn import Churn
    from devkit.controlplane.kubehttp import KubeHTTP
    from devkit.controlplane.samples import apply_crds, seed_objects
    from devkit.dashboard_server import DashboardServer
    from devkit.demo import DEMO_RULES

    namespaces = ["team-a", "team-b", "payments"]
    with tempfile.TemporaryDirectory(prefix="crscope-shots-") as tmp:
        cp = ControlPlane().start()
        try:
            kube = KubeHTTP.from_kubeconfig(cp.kubeconfig_path("admin"))
            apply_crds(kube)
            seed_objects(kube, namespaces=namespaces, per_kind=8, rng=random.Random(7))
            owned_chain(kube, "team-a")
            rules = Path(tmp) / "notify-rules.yaml"
            rules.write_text(DEMO_RULES)
            server = DashboardServer(
                kubeconfig=cp.kubeconfig_path("admin"),
                workdir=Path(tmp),
                extra_env={"CRSCOPE_NOTIFY_RULES": str(rules)},
            )
            server.start()
            churn = Churn(kube, namespaces=namespaces, rate=4.0).start()
            try:
                time.sleep(25)  # let churn write history, Events and notifications worth showing
                churn.stop()
                yield server.url
            finally:
                churn.stop()
                server.stop()
        finally:
            cp.stop()


def owned_chain(kube: Any, namespace: str) -> None:
    """A Database that owns two Widgets, for the relations tree on its page."""
    from devkit.controlplane.samples import DATABASE, WIDGET, sample_object

    rng = random.Random(11)
    owner = sample_object(DATABASE, namespace=namespace, rng=rng)
    owner["metadata"]["name"] = OWNER
    made = kube.request("POST", DATABASE.collection_path(namespace), body=owner)
    ref = {
        "apiVersion": made["apiVersion"],
        "kind": made["kind"],
        "name": OWNER,
        "uid": made["metadata"]["uid"],
        "controller": True,
    }
    for suffix in ("api", "worker"):
        child = sample_object(WIDGET, namespace=namespace, rng=rng)
        child["metadata"]["name"] = f"{OWNER}-{suffix}"
        child["metadata"]["ownerReferences"] = [ref]
        kube.request("POST", WIDGET.collection_path(namespace), body=child)


def shoot(page: Page, url: str, name: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    page.goto(url)
    page.wait_for_selector("#conn[data-state='live']", timeout=30_000)
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / f"{name}-{scheme}.png"))


def detail_and_diff(page: Page, base: str) -> tuple[str, str]:
    """The object with the longest timeline among the youngest Widgets, and its last diff."""
    page.goto(f"{base}/k/demo.crscope.dev/widgets/?sort=age")
    hrefs = page.locator("#rows tr td.name a").evaluate_all("els => els.map(e => e.href)")
    best, best_count = hrefs[0], -1
    for href in hrefs[:8]:
        page.goto(href)
        count = page.locator("#timeline-items li").count()
        if count > best_count:
            best, best_count = href, count
    page.goto(best)
    link = page.locator("#timeline-items a.diff-link").first
    diff = f"{base}{link.get_attribute('href')}" if link.count() else best
    return best, diff


def restore_of(page: Page, base: str, detail: str) -> str:
    """The restore page of the object's first recorded revision."""
    page.goto(detail)
    link = page.locator("#timeline-items a.restore-link").last
    return f"{base}{link.get_attribute('href')}" if link.count() else detail


def run(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport=SIZE)
        detail, diff = detail_and_diff(page, base)
        restore = restore_of(page, base, detail)
        owner = f"{base}/k/demo.crscope.dev/databases/team-a/{OWNER}/"
        # the Widgets of one namespace a few seconds into the churn, with a wide column
        past = f"{base}/k/demo.crscope.dev/widgets/?namespace=team-a&at={int(time.time()) - 12}"
        for scheme in ("light", "dark"):
            shoot(page, f"{base}/", "home", scheme)
            shoot(page, f"{base}/k/demo.crscope.dev/databases/", "list", scheme)
            shoot(page, detail, "detail", scheme)
            shoot(page, diff, "diff", scheme)
            shoot(page, restore, "restore", scheme)
            shoot(page, owner, "relations", scheme)
            shoot(page, f"{base}/events/", "events", scheme)
            shoot(page, past, "timetravel", scheme)
            shoot(page, f"{base}/notifications/", "notifications", scheme)
        browser.close()
    print(f"screenshots in {OUT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="use this running dashboard instead of starting one")
    args = parser.parse_args()
    if args.url:
        run(args.url.rstrip("/"))
        return
    with sample_dashboard() as url:
        run(url)


if __name__ == "__main__":
    main()
