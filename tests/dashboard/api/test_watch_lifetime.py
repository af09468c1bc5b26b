"""A watch stream has a maximum lifetime, whatever ``timeoutSeconds`` asks.

Why: a stream that never ends keeps its filter, its hub subscription and its user's slot
forever; ending it makes the client re-watch, which re-reads access from scratch. In-process,
with a real engine on the real apiserver and the cap shortened to a second.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from dashboard.api import watch
from dashboard.api.scope import KindScope
from dashboard.api.watch_filter import WatchFilter
from dashboard.core.auth.viewer import SERVER
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import EngineSettings
from tests.informers.kit import make_crd, start_engine, wait_until

pytestmark = pytest.mark.cluster


async def _read_all(stream: Any) -> list[dict[str, Any]]:
    return [json.loads(piece) async for piece in stream]


@pytest.mark.parametrize("timeout", [None, 3600])
async def test_a_stream_ends_at_the_lifetime_cap(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    group: str,
    monkeypatch: pytest.MonkeyPatch,
    timeout: int | None,
) -> None:
    make_crd(kube, group=group, kind="Part", plural="parts")
    engine = start_engine(
        control_plane, settings=EngineSettings(include_groups=(group,), events="off")
    )
    try:
        key = f"{group}/parts"
        wait_until(lambda: (i := engine.informer(key)) is not None and i.synced, timeout=15)
        informer = engine.informer(key)
        assert informer is not None
        monkeypatch.setattr(watch, "MAX_SECONDS", 1.0, raising=False)
        kind_scope = KindScope(engine, SERVER, informer, None)
        flt = WatchFilter.build(kind_scope, namespace=None, selector=None)
        lines = await asyncio.wait_for(_read_all(watch._stream(kind_scope, flt, timeout)), 30)
        assert [line["type"] for line in lines] == ["BOOKMARK"] * len(lines)  # no ERROR line
        assert engine.hub.subscriptions() == []
    finally:
        engine.stop()
