"""A hostile object's secrets never leave the server, wherever they sit (issue 14, item 7).

One object carries a secret in each place the key rule used to miss: ``status``, top-level
``data`` and ``credentials``, a ``{name, value}`` env pair, a connection string (in spec, in
a condition message and in an Event), and a column written in bracket form. Every secret is
a unique string; the test asserts none of them appears in anything a user or a backup
reads: the detail, YAML, list and diff pages, the API (object, list, history, revision,
diff, events), the watch stream, every row of the database, and notification text.
The "copy for apply" text is in the detail page's HTML, so it is covered too.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.kube_events import post_event
from tests.waiting import wait_for

KIND, PLURAL = "Vault", "vaults"
SECRETS = {
    name: f"{name}-{uuid.uuid4().hex[:10]}"
    for name in (
        "status",
        "data",
        "creds",
        "env",
        "env2",
        "dsn",
        "message",
        "event",
        "bracket",
        "query",
    )
}
RULES = """\
rules:
  - name: vault-failed
    trigger: {state: Failed}
    destinations: [in-app]
  - name: vault-env
    trigger: {path: "spec.env[0].value"}
    destinations: [in-app]
  - name: vault-warning
    trigger: {event: {type: Warning}}
    destinations: [in-app]
"""


def _crd(group: str) -> dict[str, Any]:
    columns = [
        {"name": "Password", "type": "string", "jsonPath": ".spec['password']"},
        {"name": "Env", "type": "string", "jsonPath": ".spec.env[0].value"},
        {"name": "DSN", "type": "string", "jsonPath": ".spec.dsn"},
    ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"kind": KIND, "plural": PLURAL, "singular": "vault", "listKind": "VaultList"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "additionalPrinterColumns": columns,
                }
            ],
        },
    }


def _vault(group: str, namespace: str) -> dict[str, Any]:
    s = SECRETS
    return {
        "apiVersion": f"{group}/v1",
        "kind": KIND,
        "metadata": {"name": "hostile", "namespace": namespace},
        "spec": {
            "password": s["bracket"],
            "env": [{"name": "DB_PASSWORD", "value": s["env"]}, {"name": "MODE", "value": "x"}],
            "dsn": f"postgres://app:{s['dsn']}@db:5432/app",
            "hook": f"https://hooks.example.com/in?token={s['query']}&team=a",
        },
        "data": {"password": s["data"], "note": "visible"},
        "credentials": {"user": s["creds"]},
        "status": {
            "adminToken": s["status"],
            "conditions": [{"type": "Ready", "status": "True", "reason": "Done"}],
        },
    }


@pytest.fixture(scope="module")
def world(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DashboardServer, str, str, KubeHTTP]]:
    group = f"t{uuid.uuid4().hex[:8]}.crscope.test"
    namespace = f"t-{uuid.uuid4().hex[:8]}"
    kube.request(
        "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body=_crd(group)
    )
    kube.request(
        "POST",
        "/api/v1/namespaces",
        body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
    )
    wait_for(lambda: _served(kube, group), timeout=30, what="the CRD is served")
    workdir = tmp_path_factory.mktemp("redaction")
    rules = workdir / "rules.yaml"
    rules.write_text(RULES)
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=workdir,
        extra_env={
            "CRSCOPE_INCLUDE_GROUPS": group,
            "CRSCOPE_NOTIFY_RULES": str(rules),
            "CRSCOPE_API_RATE": "0",
        },
    )
    server.start()
    try:
        yield server, group, namespace, kube
    finally:
        server.stop()


def _served(kube: KubeHTTP, group: str) -> bool:
    try:
        kube.request("GET", f"/apis/{group}/v1/{PLURAL}")
    except Exception:
        return False
    return True


def _get(server: DashboardServer, path: str, **params: Any) -> str:
    response = requests.get(f"{server.url}{path}", params=params, timeout=60)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.text


def _leaks(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text]


def _database_text(path: Path) -> str:
    """Every value of every row of every table, as one string."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"')
        )


def test_no_secret_leaves_the_server(world: tuple[DashboardServer, str, str, KubeHTTP]) -> None:
    server, group, namespace, kube = world
    base = f"/apis/{group}/v1/namespaces/{namespace}/{PLURAL}"
    created = kube.request("POST", base, body=_vault(group, namespace))
    api = f"/api/v1/resources/{group}/{PLURAL}/namespaces/{namespace}/hostile"
    wait_for(lambda: "hostile" in _get(server, f"/api/v1/resources/{group}/{PLURAL}"), timeout=60)
    # a second revision: the env secret changes and the object fails with a DSN in its message
    kube.request(
        "PATCH",
        f"{base}/hostile",
        body={
            "spec": {"env": [{"name": "DB_PASSWORD", "value": SECRETS["env2"]}]},
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "False",
                        "reason": "ConnectFailed",
                        "message": f"cannot reach postgres://app:{SECRETS['message']}@db:5432",
                    }
                ]
            },
        },
        content_type=MERGE_PATCH,
    )
    post_event(
        kube,
        created,
        reason="ConnectFailed",
        message=f"dial mysql://root:{SECRETS['event']}@db:3306 refused",
        source="redaction-test",
    )
    wait_for(
        lambda: len(requests.get(f"{server.url}{api}/history", timeout=30).json()["items"]) >= 2,
        timeout=60,
        what="two revisions recorded",
    )
    notes = "/api/v1/notifications"
    wait_for(
        lambda: (
            {"vault-failed", "vault-env", "vault-warning"}
            <= {n["rule"] for n in requests.get(f"{server.url}{notes}", timeout=30).json()["items"]}
        ),
        timeout=60,
        what="three notifications",
    )
    wait_for(lambda: "ConnectFailed" in _get(server, f"{api}/events"), timeout=60, what="event")

    ui = f"/k/{group}/{PLURAL}/{namespace}/hostile/"
    seen = {
        "detail page": _get(server, ui),
        "YAML fragment": _get(server, f"{ui}yaml/"),
        "list page": _get(server, f"/k/{group}/{PLURAL}/"),
        "diff page": _get(server, f"{ui}diff/"),
        "unified diff page": _get(server, f"{ui}diff/", view="yaml", noise="1"),
        "API object": _get(server, api),
        "API list": _get(server, f"/api/v1/resources/{group}/{PLURAL}"),
        "API history": _get(server, f"{api}/history"),
        "API diff": _get(server, f"{api}/diff", noise="true"),
        "API events": _get(server, f"{api}/events"),
        "watch": _get(server, "/api/v1/watch", resource=f"{group}/{PLURAL}", timeoutSeconds="1"),
        "notifications API": _get(server, notes),
        "notifications page": _get(server, "/notifications/"),
        "database": _database_text(server.workdir / "db.sqlite3"),
    }
    for item in json_items(_get(server, f"{api}/history")):
        seen[f"revision {item}"] = _get(server, f"{api}/revision", resourceVersion=item)
    # the views did show the object, so an empty page cannot pass
    assert "visible" in seen["API object"] and "hostile" in seen["watch"]
    assert "ConnectFailed" in seen["notifications API"]
    leaks = {where: found for where, text in seen.items() if (found := _leaks(text))}
    assert leaks == {}


def json_items(text: str) -> list[str]:
    import json

    return [i["resourceVersion"] for i in json.loads(text)["items"]]
