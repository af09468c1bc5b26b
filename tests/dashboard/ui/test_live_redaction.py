"""What the live feeds push is redacted like the page (issue 14, item 7).

The detail page's YAML, conditions and the list page's rows are re-sent over the WebSocket
on every change; the pushed HTML must hide the same secrets as the first render: a spec
password, and the password of a connection string in a condition message.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object, status_for, write_status
from informers import Engine
from tests.dashboard.ui.live import Live

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]
WIDGETS = "kind=demo.crscope.dev/widgets"


def _secret() -> str:
    return f"pw-{uuid.uuid4().hex[:12]}"


def _create(kube: KubeHTTP, namespace: str, name: str, password: str) -> dict[str, Any]:
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    obj["spec"]["auth"]["password"] = password
    return kube.request("POST", WIDGET.collection_path(namespace), body=obj)


def _fail_with_dsn(kube: KubeHTTP, obj: dict[str, Any], secret: str) -> None:
    status = status_for(WIDGET, obj, outcome="Stalled", observed_generation=1, rng=random.Random(1))
    for condition in status["conditions"]:
        condition["message"] = f"dial postgres://app:{secret}@db:5432 refused"
    write_status(kube, WIDGET, obj, status=status, field_manager="test")


def _repassword(kube: KubeHTTP, namespace: str, name: str, password: str) -> None:
    kube.request(
        "PATCH",
        WIDGET.object_path(name, namespace),
        body={"spec": {"auth": {"password": password}}},
        content_type=MERGE_PATCH,
    )


async def test_pushed_detail_and_rows_hide_secrets(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    first, dsn, second = _secret(), _secret(), _secret()
    name = "live-secret"
    created = await asyncio.to_thread(_create, kube, namespace, name, first)
    query = f"view=detail&{WIDGETS}&namespace={namespace}&name={name}"
    async with Live(query) as detail, Live(f"view=list&{WIDGETS}&namespace={namespace}") as rows:
        await detail.receive()
        await rows.receive()
        await asyncio.to_thread(_fail_with_dsn, kube, created, dsn)
        await asyncio.to_thread(_repassword, kube, namespace, name, second)
        await detail.until(lambda m: "5432" in m, timeout=15)
        await rows.until(lambda m: name in m, timeout=15)
        pushed = "".join([*detail.messages, *await detail.quiet_for(1.0)])
        pushed += "".join([*rows.messages, *await rows.quiet_for(0.5)])
    assert "***redacted***" in pushed
    assert [s for s in (first, dsn, second) if s in pushed] == []
