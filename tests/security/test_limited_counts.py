"""Every number a limited user is shown counts only what their own list shows.

The user ``limited`` may list Widgets in one namespace (see ``grants``). Here: the count of
changes a paused health page holds back, a grouped notification's totals, and the delivery
counters on ``/notifications/`` and in the API. (Home cards, the rail and the API's health
totals are covered by ``test_per_user_views``.)

The real Django and Channels applications in this process, on the session's apiserver.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from informers import Engine
from tests.controlplane.kubehttp import KubeHTTP
from tests.controlplane.samples import DATABASE, WIDGET, sample_object
from tests.dashboard.ui.conftest import Live, live_engine  # noqa: F401 - the in-process engine
from tests.dashboard.ui.test_live_flow import meta
from tests.informers.kit import wait_until
from tests.security.conftest import Grants
from tests.security.test_per_user_views import limited  # noqa: F401 - the user's token

pytestmark = pytest.mark.cluster


def _live_as(token: str, query: str) -> Live:
    from dashboard.asgi import application

    live = Live(query)
    live.comm = WebsocketCommunicator(
        application,
        f"/ws/live/?{query}",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    )
    return live


def _create(kube: KubeHTTP, kind: Any, namespace: str) -> dict[str, Any]:
    body = sample_object(kind, namespace=namespace, rng=random.Random(uuid.uuid4().hex))
    return kube.request("POST", kind.collection_path(namespace), body=body)


def _cached(engine: Engine, kind: Any, obj: dict[str, Any]) -> bool:
    informer = engine.informer(f"demo.crscope.dev/{kind.plural}")
    key = f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
    return informer is not None and informer.store.get(key) is not None


def _waiting(messages: list[str]) -> list[int]:
    return [int(meta(m, "waiting")) for m in messages if 'id="live-meta"' in m]


@pytest.mark.django_db(transaction=True)
async def test_a_paused_health_page_counts_only_the_users_changes(
    limited: str,  # noqa: F811
    grants: Grants,
    kube: KubeHTTP,
    live_engine: Engine,  # noqa: F811
) -> None:
    async with _live_as(limited, "view=health") as live:
        assert await live.receive(timeout=15) is not None
        await live.comm.send_to(text_data=json.dumps({"pause": True}))
        # Changes the user may not see: a Widget elsewhere, a Database in their namespace.
        hidden = [
            await asyncio.to_thread(_create, kube, WIDGET, grants.other_ns),
            await asyncio.to_thread(_create, kube, DATABASE, grants.allowed_ns),
        ]
        kinds = [WIDGET, DATABASE]
        wait_until(
            lambda: all(_cached(live_engine, k, o) for k, o in zip(kinds, hidden, strict=True)),
            timeout=15,
            message="the hidden objects are cached",
        )
        seen = await asyncio.to_thread(_create, kube, WIDGET, grants.allowed_ns)
        held = await live.until(lambda m: 'id="live-meta"' in m and meta(m, "waiting") != "0", 15)
        assert seen["metadata"]["name"] not in held  # paused: counted, not shown
        drained = await live.quiet_for(1.0)
    assert max(_waiting([held, *drained])) == 1, _waiting(live.messages)
