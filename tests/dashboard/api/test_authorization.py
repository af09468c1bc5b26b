"""Every endpoint answers with what the caller's RBAC allows, and nothing more.

A real user (``bob``, bearer token checked by TokenReview) gets a Role on Widgets in one
namespace. Kinds he cannot list anywhere look nonexistent; lists, counts, health and the
watch stream are cut to his namespace; objects elsewhere are 404, as if absent.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import DATABASE, GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem, list_path, object_path
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture
def other_namespace(kube: KubeHTTP) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": name}})
    return name


@pytest.fixture
def setup(
    api: Api,
    kube: KubeHTTP,
    objects: Objects,
    control_plane: ControlPlane,
    namespace: str,
    other_namespace: str,
) -> dict[str, Any]:
    rbac = "/apis/rbac.authorization.k8s.io/v1"
    kube.request(
        "POST",
        f"{rbac}/namespaces/{namespace}/roles",
        body={
            "metadata": {"name": "widget-reader"},
            "rules": [
                {"apiGroups": [GROUP], "resources": ["widgets"], "verbs": ["get", "list", "watch"]}
            ],
        },
    )
    kube.request(
        "POST",
        f"{rbac}/namespaces/{namespace}/rolebindings",
        body={
            "metadata": {"name": "bob-reads-widgets"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "widget-reader",
            },
            "subjects": [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )
    mine = objects.set_outcome(WIDGET, objects.create(WIDGET, namespace=namespace), "Stalled")
    theirs = objects.set_outcome(
        WIDGET, objects.create(WIDGET, namespace=other_namespace), "Stalled"
    )
    db = objects.create(DATABASE, namespace=namespace)
    for kind, obj in ((WIDGET, mine), (WIDGET, theirs), (DATABASE, db)):
        objects.shown(kind, obj)
    return {"token": control_plane.tokens["bob"], "mine": mine, "theirs": theirs, "db": db}


def _names(body: dict[str, Any]) -> set[str]:
    return {item["name"] for item in body["items"]}


def test_lists_and_objects_are_cut_to_the_allowed_namespace(
    api: Api, setup: dict[str, Any], namespace: str, other_namespace: str
) -> None:
    token, mine, theirs = setup["token"], setup["mine"], setup["theirs"]
    listed = wait_for(
        lambda: (r := api.get(list_path(WIDGET), token=token)).ok and r.json(),
        what="bob can list widgets",
    )
    assert mine["metadata"]["name"] in _names(listed)
    assert theirs["metadata"]["name"] not in _names(listed)
    assert all(item["namespace"] != other_namespace for item in listed["items"])
    elsewhere = api.json(list_path(WIDGET), {"namespace": other_namespace}, token=token)
    assert elsewhere["items"] == [] and elsewhere["total"] == 0

    assert api.get(object_path(WIDGET, mine), token=token).status_code == 200
    for suffix in ("", "/history", "/diff", "/events"):
        assert_problem(api.get(object_path(WIDGET, theirs, suffix), token=token), 404)
    assert api.get(object_path(WIDGET, mine, "/history"), token=token).status_code == 200


def test_a_kind_listable_nowhere_looks_nonexistent(api: Api, setup: dict[str, Any]) -> None:
    token = setup["token"]
    kinds = {k["plural"] for k in api.json("/api/v1/resources", token=token)["items"]}
    assert "widgets" in kinds and "databases" not in kinds
    for path in (list_path(DATABASE), object_path(DATABASE, setup["db"])):
        body = assert_problem(api.get(path, token=token), 404)
        unknown = assert_problem(api.get(path.replace("databases", "nosuchkind"), token=token), 404)
        assert body["type"] == unknown["type"]
    health = api.json("/api/v1/health", token=token)
    assert "databases" not in {k["plural"] for k in health["kinds"]}
    attention = {a["name"] for a in health["attention"]}
    assert setup["mine"]["metadata"]["name"] in attention
    assert setup["theirs"]["metadata"]["name"] not in attention


def test_counts_are_cut_to_the_allowed_namespace(
    api: Api, setup: dict[str, Any], namespace: str
) -> None:
    token = setup["token"]
    widgets = next(
        k for k in api.json("/api/v1/resources", token=token)["items"] if k["plural"] == "widgets"
    )
    listed = api.json(list_path(WIDGET), {"limit": 1000}, token=token)
    assert widgets["count"] == listed["total"]
    admin = next(k for k in api.json("/api/v1/resources")["items"] if k["plural"] == "widgets")
    assert widgets["count"] < admin["count"]


def test_watch_is_filtered_or_forbidden(
    api: Api, setup: dict[str, Any], namespace: str, other_namespace: str
) -> None:
    token = setup["token"]
    response = api.get(
        "/api/v1/watch", {"resource": f"{GROUP}/widgets", "timeoutSeconds": 0}, token=token
    )
    assert response.status_code == 200
    lines = [line for line in response.text.splitlines() if '"ADDED"' in line]
    assert any(setup["mine"]["metadata"]["uid"] in line for line in lines)
    assert not any(f'"namespace":"{other_namespace}"' in line for line in lines)
    forbidden = api.get(
        "/api/v1/watch", {"resource": f"{GROUP}/databases", "timeoutSeconds": 0}, token=token
    )
    assert_problem(forbidden, 404, "resource")  # as for a kind that does not exist


def test_a_bad_token_is_401_never_anonymous(api: Api) -> None:
    for path in ("/api/v1/resources", list_path(WIDGET), "/api/v1/health", "/api/v1/watch"):
        response = api.get(path, token="not-a-real-token")
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
