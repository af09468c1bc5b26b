"""The list row's "why" tooltip with a hostile value read by a real rule: page and live push.

A user rules file (the engine's ``CRSCOPE_HEALTH_RULES``) reads ``spec.note`` as an input;
the note is hostile markup. The row's state cell must carry the why as its ``title``
attribute, the hostile text inside it as text, on the served page and in the row pushed
over the WebSocket alike.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from django.test import Client

from dashboard.ui.fragments import cache
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine
from tests.dashboard.ui.dom import Node, parse
from tests.dashboard.ui.gadgets import gadget_engine
from tests.dashboard.ui.live import Live
from tests.dashboard.ui.test_list_escaping import HOSTILE, MARKUP
from tests.informers.kit import wait_until

pytestmark = pytest.mark.cluster
RULE = "test/noted-gadgets"


def _rules(group: str) -> str:
    return f"""rules:
  - name: {RULE}
    match: {{group: "{group}", kind: Gadget}}
    inputs:
      note: object.spec.note
    cases:
      - when: note != null
        state: Failed
        reason: Noted
"""


@pytest.fixture(scope="module")
def noted_engine(
    control_plane: ControlPlane, kube: KubeHTTP, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, str]]:
    """An engine of this module's own CRD group, with a user rules file for its Gadgets."""
    rules = tmp_path_factory.mktemp("rules") / "rules.yaml"
    rules.write_text("rules: []\n")  # the group is known once the CRD exists
    with gadget_engine(control_plane, kube, health_rules_path=str(rules)) as (engine, group):
        rules.write_text(_rules(group))
        engine.reload_health_rules()
        yield engine, group


def _create(kube: KubeHTTP, engine: Engine, group: str, namespace: str, name: str) -> None:
    kube.request(
        "POST",
        f"/apis/{group}/v1/namespaces/{namespace}/gadgets",
        body={
            "apiVersion": f"{group}/v1",
            "kind": "Gadget",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"note": HOSTILE},
        },
    )
    informer = engine.informer(f"{group}/gadgets")
    assert informer is not None

    def decided() -> bool:
        entry = informer.store.get(f"{namespace}/{name}")
        return entry is not None and entry.status.rule == RULE

    wait_until(decided, timeout=10, message="gadget decided by the user rule")


def _assert_why_is_text(root: Node) -> None:
    assert not (root.tags() & MARKUP), root.tags()
    cells = [td for td in root.find_all("td") if td.attrs.get("class") == "state"]
    assert len(cells) == 1
    expected = f"{RULE}: note != null (note={json.dumps(HOSTILE)})"
    assert cells[0].attrs["title"] == expected


def test_served_row_carries_the_why_as_text(
    noted_engine: tuple[Engine, str], kube: KubeHTTP, namespace: str
) -> None:
    engine, group = noted_engine
    _create(kube, engine, group, namespace, "served")
    cache.clear()
    response = Client(REMOTE_ADDR="127.0.0.1").get(f"/k/{group}/gadgets/", {"namespace": namespace})
    assert response.status_code == 200
    html = response.content.decode()
    assert HOSTILE not in html
    (tbody,) = [t for t in parse(html).find_all("tbody") if t.attrs.get("id") == "rows"]
    _assert_why_is_text(tbody)


async def test_pushed_row_carries_the_why_as_text(
    noted_engine: tuple[Engine, str], kube: KubeHTTP, namespace: str
) -> None:
    engine, group = noted_engine
    cache.clear()
    async with Live(f"view=list&kind={group}/gadgets&namespace={namespace}") as live:
        first = await live.receive()
        assert first is not None and 'id="rows"' in first
        await asyncio.to_thread(_create, kube, engine, group, namespace, "pushed")
        pushed = await live.until(lambda m: "/pushed/" in m and RULE in m, timeout=15)
    assert HOSTILE not in pushed
    rows = [
        tr
        for tr in parse(pushed).find_all("tr")
        if any("/pushed/" in a.attrs.get("href", "") for a in tr.find_all("a"))
    ]
    assert rows, pushed[:500]
    _assert_why_is_text(rows[0])
