"""A watch stream that falls behind ends with an ERROR line instead of a partial stream.

In-process, with a real engine on the real apiserver: the stream generator is driven by
hand, so the test can leave it suspended while changes pile up past the subscription's
bound, which a live server would never do on cue.
"""

from __future__ import annotations

import json

import pytest

from dashboard.api import watch
from dashboard.api.scope import KindScope
from dashboard.api.watch_filter import WatchFilter
from dashboard.core.auth.viewer import SERVER
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import EngineSettings
from tests.informers.kit import make_crd, obj, start_engine, wait_until

pytestmark = pytest.mark.cluster


async def test_overflow_ends_the_stream_with_an_expired_error(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    group: str,
    namespace: str,
    monkeypatch: pytest.MonkeyPatch,
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
        monkeypatch.setattr(watch, "MAX_PENDING", 2)
        kind_scope = KindScope(engine, SERVER, informer, None)
        flt = WatchFilter.build(kind_scope, namespace=None, selector=None)
        stream = watch._stream(kind_scope, flt, None)

        first = json.loads(await anext(stream))  # no objects yet: just the end-of-state mark
        assert first["type"] == "BOOKMARK"
        (subscription,) = engine.hub.subscriptions()
        for i in range(4):  # more distinct objects than the bound, while nobody drains
            body = obj(group=group, kind="Part", name=f"p{i}", namespace=namespace)
            kube.request("POST", f"/apis/{group}/v1/namespaces/{namespace}/parts", body=body)
        wait_until(lambda: subscription.stats.overflows >= 1, timeout=10, message="overflow")

        error = json.loads(await anext(stream))
        assert error["type"] == "ERROR"
        assert error["object"]["code"] == 410 and error["object"]["reason"] == "Expired"
        with pytest.raises(StopAsyncIteration):
            await anext(stream)
        assert engine.hub.subscriptions() == []
    finally:
        engine.stop()
