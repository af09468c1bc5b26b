"""An Event created in one namespace never lands on another namespace's object.

Who may create Events is decided per namespace, and ``involvedObject`` is whatever the
creator wrote: a user who can create Events in namespace B can name the uid (and, for a
new-style Event with ``eventTime``, even the namespace) of an object in namespace A. The
apiserver accepts both. The dashboard must keep such Events off A's timeline and out of
A's ``.../events``, and off a cluster-scoped object's timeline too.

Against the real apiserver and a real dashboard server, which records Events as usual.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import CLUSTER_POLICY, WIDGET, sample_object
from devkit.dashboard_server import DashboardServer
from tests.informers.kit import wait_until
from tests.kube_events import post_event
from tests.security.tokenmode import Grants, Http

pytestmark = pytest.mark.cluster


def _plant(
    kube: KubeHTTP, where: str, target: dict[str, Any], reason: str, **involved: Any
) -> None:
    """A legacy Event in namespace ``where`` about ``target``; ``involved`` overrides fields."""
    post_event(
        kube,
        target,
        reason=reason,
        message=f"{reason} planted",
        where=where,
        source="spoof-test",
        **involved,
    )


def _post_new_style_event(
    kube: KubeHTTP, namespace: str, target: dict[str, Any], reason: str
) -> None:
    """A new-style Event (``eventTime`` set) in ``namespace`` claiming the target's own
    namespace: the apiserver does not compare the two namespaces for these."""
    meta = target["metadata"]
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/events",
        body={
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{reason.lower()}.{time.time_ns():x}"},
            "involvedObject": {
                "apiVersion": target["apiVersion"],
                "kind": target["kind"],
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta["uid"],
            },
            "eventTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "reportingComponent": "spoof-test",
            "reportingInstance": "spoof-test-1",
            "action": "Plant",
            "type": "Warning",
            "reason": reason,
            "message": f"{reason} planted",
        },
    )


def _events_api(http: Http, token: str, path: str) -> list[str]:
    status, body = http.get(f"/api/v1/resources/demo.crscope.dev/{path}/events", token=token)
    assert status == 200, (status, body)
    return [item["reason"] for item in body["items"]]


def _page(http: Http, token: str, path: str) -> str:
    status, body = http.get(f"/k/demo.crscope.dev/{path}/", token=token)
    assert status == 200, (status, str(body)[:300])
    return str(body)


def test_events_from_another_namespace_stay_off_the_objects_timeline(
    token_dashboard: DashboardServer,
    grants: Grants,
    kube: KubeHTTP,
    control_plane: ControlPlane,
    http: Http,
) -> None:
    admin = control_plane.tokens["admin"]
    victim = kube.request("GET", WIDGET.collection_path(grants.allowed_ns))["items"][0]
    attacker_ns = grants.other_ns
    # B names A's object by uid, under B's namespace (the apiserver checks nothing more).
    _plant(kube, attacker_ns, victim, "SpoofedByUid", namespace=attacker_ns)
    # B names A's object and A's namespace: allowed for Events with eventTime.
    _post_new_style_event(kube, attacker_ns, victim, "SpoofedNamespace")
    # The genuine Event, created last: once it shows, the planted ones were processed.
    _plant(kube, grants.allowed_ns, victim, "Genuine")

    name = victim["metadata"]["name"]
    api_path = f"widgets/namespaces/{grants.allowed_ns}/{name}"
    wait_until(
        lambda: "Genuine" in _events_api(http, admin, api_path),
        timeout=30,
        message="the genuine Event is stored",
    )
    assert _events_api(http, admin, api_path) == ["Genuine"]
    page = _page(http, admin, f"widgets/{grants.allowed_ns}/{name}")
    assert "Genuine planted" in page
    assert "SpoofedByUid" not in page and "SpoofedNamespace" not in page


def test_events_from_a_namespace_stay_off_a_cluster_scoped_objects_timeline(
    token_dashboard: DashboardServer,
    grants: Grants,
    kube: KubeHTTP,
    control_plane: ControlPlane,
    http: Http,
) -> None:
    admin = control_plane.tokens["admin"]
    body = sample_object(CLUSTER_POLICY, namespace=None, rng=random.Random(14))
    body["metadata"]["name"] = f"spoof-target-{uuid.uuid4().hex[:6]}"
    policy = kube.request("POST", CLUSTER_POLICY.collection_path(), body=body)
    name = policy["metadata"]["name"]
    wait_until(
        lambda: http.get(f"/k/demo.crscope.dev/clusterpolicies/-/{name}/", token=admin)[0] == 200,
        timeout=30,
        message="the policy is cached",
    )
    # An Event in a namespace claiming a cluster-scoped object by uid.
    _plant(kube, grants.other_ns, policy, "SpoofedCluster", namespace=grants.other_ns)
    # The genuine one: no involved namespace, in "default" as Kubernetes requires.
    _plant(kube, "default", policy, "Genuine")
    wait_until(
        lambda: "Genuine" in _events_api(http, admin, f"clusterpolicies/{name}"),
        timeout=30,
        message="the genuine Event is stored",
    )
    page = _page(http, admin, f"clusterpolicies/-/{name}")
    assert "Genuine planted" in page
    assert "SpoofedCluster" not in page
    assert _events_api(http, admin, f"clusterpolicies/{name}") == ["Genuine"]
