"""A cluster-scoped kind's live list stops showing objects once the user's grant is revoked.

Why: an empty set of allowed namespaces was read as "everything" for cluster-scoped kinds,
so after the ClusterRoleBinding was deleted the rows stayed and new objects kept arriving.
The user here is ``bob``, signed in by bearer token, who may list ClusterPolicies only
through a ClusterRoleBinding the test deletes while the socket is open.
"""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from channels.testing import WebsocketCommunicator

from dashboard.core.auth import rbac
from dashboard.ui.live import consumer
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import CLUSTER_POLICY, sample_object
from informers import Engine
from tests.dashboard.ui.live import Live
from tests.security.clusterrbac import cluster_grant

pytestmark = pytest.mark.cluster
TTL = 1.0
REFRESH = 1.0


def _create_policy(kube: KubeHTTP, name: str) -> None:
    body = sample_object(CLUSTER_POLICY, namespace=None, rng=random.Random(name))
    body["metadata"]["name"] = name
    kube.request("POST", CLUSTER_POLICY.collection_path(), body=body)


def _as(token: str, query: str) -> Live:
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


async def test_revoked_cluster_grant_empties_the_live_list(
    live_engine: Engine,
    kube: KubeHTTP,
    control_plane: ControlPlane,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rbac.reviewer, "ttl", TTL)
    # The socket re-reads access on its own period (owned by the socket code); a short one
    # here keeps the test quick, and the bound below still allows a default tick.
    monkeypatch.setattr(consumer, "ACCESS_REFRESH_SECONDS", REFRESH, raising=False)
    tag = uuid.uuid4().hex[:6]
    before, after = f"before-{tag}", f"after-{tag}"
    await asyncio.to_thread(_create_policy, kube, before)
    query = f"view=list&kind=demo.crscope.dev/clusterpolicies&search={tag}"
    with cluster_grant(kube, user="bob", plural="clusterpolicies") as binding:
        async with _as(control_plane.tokens["bob"], query) as live:
            await live.until(lambda m: before in m, timeout=15)
            await asyncio.to_thread(kube.request, "DELETE", binding)
            # What bob sees: the row leaves his list.
            await live.until(lambda m: before in m and "leaving" in m, timeout=45)
            await asyncio.to_thread(_create_policy, kube, after)
            later = await live.quiet_for(3.0)
            assert not any(after in m for m in later), "a revoked user still got a new row"
