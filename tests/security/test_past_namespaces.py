"""A past list shows a limited user the namespaces they may read *then* held objects in.

Why: which namespaces a limited user may list is asked of the apiserver for the
namespaces that hold objects of the kind; for a past time those must include the ones
the record holds objects in. Asked only for today's, a namespace emptied since showed
its past objects to nobody but an admin: the time-travel list said "nothing here".
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.test import Client

from dashboard.history.models import Revision, WatchPeriod
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import ensure_namespace
from informers import Engine
from tests.dashboard.ui.live import live_engine  # noqa: F401 - the in-process engine
from tests.security.clusterrbac import namespace_grant
from tests.security.test_per_user_views import limited  # noqa: F401 - the user's token
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]
KIND = "demo.crscope.dev/widgets"


def _widget_then(namespace: str, name: str, at: float) -> None:
    uid = str(uuid.uuid4())
    body = {
        "apiVersion": "demo.crscope.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace, "uid": uid, "resourceVersion": "7"},
        "spec": {"size": 1},
    }
    for type_, observed in (("ADDED", at - 60), ("DELETED", at + 60)):
        Revision.objects.create(
            kind=KIND,
            uid=uid,
            namespace=namespace,
            name=name,
            resource_version="7",
            rv_int=7,
            type=type_,
            observed=observed,
            managers=[],
            changed_paths=[],
            state="Current" if type_ == "ADDED" else "",
            body=json.dumps(body),
        )


def test_a_past_list_reads_namespaces_emptied_since(
    limited: str,  # noqa: F811
    grants: Grants,
    live_engine: Engine,  # noqa: F811
    kube: KubeHTTP,
) -> None:
    emptied = f"emptied-{uuid.uuid4().hex[:6]}"
    ensure_namespace(kube, emptied)
    now = time.time()
    then = now - 600
    WatchPeriod.objects.create(kind=KIND, started=then - 3600, until=now)
    _widget_then(emptied, "gone-since", then)
    _widget_then(grants.other_ns, "never-yours", then)
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {limited}")
    with namespace_grant(kube, user="limited", plural="widgets", namespace=emptied):
        page = client.get(f"/k/{KIND}/?at={int(then)}")
        text = page.content.decode()
    assert page.status_code == 200, text[:500]
    assert "gone-since" in text
    assert "never-yours" not in text
