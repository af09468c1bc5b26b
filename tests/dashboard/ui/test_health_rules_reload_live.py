"""A reloaded health rules file changes the state an open list page shows, with no reload.

The object does not change (same resourceVersion); only its reading does. The live list
must still push the row, which it did not while rows were compared by resourceVersion.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.ui.fragments import cache
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine, State
from tests.dashboard.ui.gadgets import gadget_engine
from tests.dashboard.ui.live import Live
from tests.informers.kit import wait_until

pytestmark = pytest.mark.cluster
RULE = "test/plain-gadgets"


def _rule(group: str) -> str:
    return f"""rules:
  - name: {RULE}
    match: {{group: "{group}", kind: Gadget}}
    inputs:
      colour: object.spec.colour
    cases:
      - when: colour == "red"
        state: Failed
        reason: RedGadget
"""


@pytest.fixture()
def rules_engine(
    control_plane: ControlPlane, kube: KubeHTTP, tmp_path: Path
) -> Iterator[tuple[Engine, str, Path]]:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\n")
    with gadget_engine(control_plane, kube, health_rules_path=str(rules)) as (engine, group):
        yield engine, group, rules


async def test_a_reloaded_rule_repaints_the_open_list(
    rules_engine: tuple[Engine, str, Path], kube: KubeHTTP, namespace: str
) -> None:
    engine, group, rules = rules_engine
    kube.request(
        "POST",
        f"/apis/{group}/v1/namespaces/{namespace}/gadgets",
        body={
            "apiVersion": f"{group}/v1",
            "kind": "Gadget",
            "metadata": {"name": "red-one", "namespace": namespace},
            "spec": {"colour": "red"},
        },
    )
    informer = engine.informer(f"{group}/gadgets")
    assert informer is not None
    key = f"{namespace}/red-one"
    wait_until(lambda: informer.store.get(key) is not None, timeout=15, message="cached")
    before = informer.store.get(key)
    assert before is not None and before.status.state is not State.FAILED
    cache.clear()
    async with Live(f"view=list&kind={group}/gadgets&namespace={namespace}") as live:
        first = await live.receive(timeout=15)
        assert first is not None and "red-one" in first and "RedGadget" not in first
        rules.write_text(_rule(group))
        changed = await asyncio.to_thread(engine.reload_health_rules)
        assert changed == 1
        after = informer.store.get(key)
        assert after is not None and after.resource_version == before.resource_version
        pushed = await live.until(lambda m: "red-one" in m and "Failed" in m, timeout=15)
    assert RULE in pushed
