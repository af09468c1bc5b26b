"""The list page's live feed numbers the page it serves exactly as the page view does.

Why: page one's continue token is empty, so the URL of page 2 and later carries ``prev=``;
a feed that dropped blank parameters re-rendered the summary and pager as page one.
"""

from __future__ import annotations

import asyncio
import html
import random
import re

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object
from informers import Engine
from tests.dashboard.ui.live import Live
from tests.informers.kit import wait_until

pytestmark = pytest.mark.cluster

WIDGETS = "kind=demo.crscope.dev/widgets"
NEXT = re.compile(r'href="\?([^"]*)"[^>]*>Next')


def create(kube: KubeHTTP, namespace: str, name: str) -> None:
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    kube.request("POST", WIDGET.collection_path(namespace), body=obj)


async def test_feed_on_later_pages_keeps_the_page_number(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    for name in ("a-one", "b-two", "c-three"):
        await asyncio.to_thread(create, kube, namespace, name)
    informer = live_engine.informer("demo.crscope.dev/widgets")
    assert informer is not None
    # The first render must already count all three, or "of 3" and "Next" come in two
    # messages (seen in a clean-clone run).
    await asyncio.to_thread(
        wait_until,
        lambda: informer.store.count_in(namespace) == 3,
        timeout=60,
        message="the engine has seen the three Widgets",
    )
    query = f"namespace={namespace}&limit=1"
    async with Live(f"view=list&{WIDGETS}&{query}") as live:
        first = await live.until(lambda m: "of 3 matching" in m and "Next" in m, timeout=15)
    pages = [first]
    for _ in range(2):
        link = NEXT.search(pages[-1])
        assert link is not None, pages[-1]
        async with Live(f"view=list&{WIDGETS}&{html.unescape(link.group(1))}") as live:
            pages.append(await live.until(lambda m: 'id="list-summary"' in m))
    for number, text in enumerate(pages, start=1):
        assert f"{number}\u2013{number} of 3 matching" in text
        assert f"page {number}</span>" in text
    assert "c-three" in pages[2] and "Next" not in pages[2]
    assert "\u2039 Previous" in pages[2]
