"""No diff view shows a secret: the UI's field table and unified YAML, and the API's /diff.

Why rows with plaintext secrets: history written before bodies were redacted on the way
in still holds them, and a diff compares two stored bodies, so each view must mask every
value by where it sits in the object: a changed password, an added token, and a whole
``auth`` block added at once (the secret is then inside the changed value, below its
path). The object is gone from the cluster, so the pages are built from history alone.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from django.test import Client

from dashboard.history.models import Revision
from informers import Engine

pytestmark = pytest.mark.cluster

KIND = "demo.crscope.dev/widgets"
SECRETS = ("hunter2-old", "hunter2-new", "tok-added-secret", "block-password")


def _body(uid: str, namespace: str, name: str, rv: int, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "demo.crscope.dev/v1",
        "kind": "Widget",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": str(rv),
            "generation": rv,
        },
        "spec": spec,
    }


@pytest.fixture
def vault(live_engine: Engine, namespace: str, db: None) -> tuple[str, list[int]]:
    """Three revisions of a deleted Widget, bodies stored with plaintext secrets."""
    name, uid = f"vault-{uuid.uuid4().hex[:6]}", str(uuid.uuid4())
    specs = [
        {"size": 1, "color": "red", "auth": {"username": "app", "password": "hunter2-old"}},
        {
            "size": 2,
            "color": "red",
            "auth": {"username": "app", "password": "hunter2-new"},
            "token": "tok-added-secret",
        },
        {
            "size": 3,
            "color": "red",
            "auth": {"username": "app", "password": "hunter2-new"},
            "token": "tok-added-secret",
            "backup": {"auth": {"password": "block-password"}},
        },
    ]
    ids = []
    for rv, spec in enumerate(specs, start=100):
        row = Revision.objects.create(
            kind=KIND,
            uid=uid,
            namespace=namespace,
            name=name,
            resource_version=str(rv),
            rv_int=rv,
            type="ADDED" if rv == 100 else "MODIFIED",
            observed=time.time(),
            generation=rv,
            managers=["kubectl"],
            changed_paths=[],
            state="Current",
            body=json.dumps(_body(uid, namespace, name, rv, spec)),
        )
        ids.append(row.id)
    return name, ids


def _assert_masked(text: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"secrets shown: {leaked}"
    assert "***redacted***" in text


def test_ui_diff_views_mask_every_secret(vault: tuple[str, list[int]], namespace: str) -> None:
    name, ids = vault
    base = f"/k/demo.crscope.dev/widgets/{namespace}/{name}/diff/"
    client = Client(REMOTE_ADDR="127.0.0.1")
    queries: list[dict[str, str | int]] = [
        {},  # the newest change
        {"from": ids[0], "to": ids[1]},  # a changed password, an added token
        {"from": ids[0], "to": ids[2]},  # a range, with a whole secret block added
        {"from": ids[0], "to": ids[2], "noise": "1"},
        {"from": ids[0], "to": ids[2], "view": "yaml"},  # unified YAML
        {"from": ids[1], "to": ids[2], "view": "yaml"},
    ]
    for query in queries:
        response = client.get(base, query)
        assert response.status_code == 200, (query, response.status_code)
        html = response.content.decode()
        _assert_masked(html)
        if query.get("view") != "yaml":
            assert "/spec/" in html, query  # the changed paths are still listed


def test_api_diff_masks_every_secret(vault: tuple[str, list[int]], namespace: str) -> None:
    name, _ = vault
    path = f"/api/v1/resources/demo.crscope.dev/widgets/namespaces/{namespace}/{name}/diff"
    client = Client(REMOTE_ADDR="127.0.0.1")
    for query in (
        {},
        {"from": "100", "to": "101"},
        {"from": "100", "to": "102"},
        {"from": "100", "to": "102", "noise": "true"},
    ):
        response = client.get(path, query)
        assert response.status_code == 200, (query, response.content[:300])
        body = response.json()
        assert body["changes"], query
        _assert_masked(json.dumps(body))
