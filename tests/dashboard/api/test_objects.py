"""One object: its body as cached (redacted), its state, ETags, and deleted objects."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.controlplane.samples import CLUSTER_POLICY, GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem, object_path
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


def test_namespaced_object_is_served_redacted_without_managed_fields(
    api: Api, objects: Objects, namespace: str
) -> None:
    widget = objects.create(WIDGET, namespace=namespace, spec={"size": 7})
    widget = objects.set_outcome(WIDGET, widget, "Stalled")
    body = objects.shown(WIDGET, widget)
    obj = body["object"]
    assert obj["metadata"]["uid"] == widget["metadata"]["uid"]
    assert "managedFields" not in obj["metadata"]
    assert obj["spec"]["size"] == 7
    assert obj["spec"]["auth"]["password"] == "***redacted***"
    assert obj["spec"]["auth"]["username"] == widget["spec"]["auth"]["username"]
    assert body["state"]["state"] == "Failed"
    assert body["state"]["reason"] == "BackendError"
    assert body["columns"]["Size"] == 7
    assert body["columns"]["Ready"] == "False"


def test_cluster_scoped_object_has_its_own_path(api: Api, objects: Objects) -> None:
    policy = objects.create(CLUSTER_POLICY, namespace=None)
    body = objects.shown(CLUSTER_POLICY, policy)
    assert body["object"]["metadata"]["name"] == policy["metadata"]["name"]
    assert "namespace" not in body["object"]["metadata"]
    # the namespaced form of the path does not reach a cluster-scoped kind, and vice versa
    name = policy["metadata"]["name"]
    assert_problem(
        api.get(f"/api/v1/resources/{GROUP}/clusterpolicies/namespaces/default/{name}"), 404
    )
    assert_problem(api.get(f"/api/v1/resources/{GROUP}/widgets/{name}"), 404)


def test_etag_answers_304_until_the_object_changes(
    api: Api, objects: Objects, namespace: str
) -> None:
    widget = objects.create(WIDGET, namespace=namespace)
    objects.shown(WIDGET, widget)
    path = object_path(WIDGET, widget)
    first = api.get(path)
    etag = first.headers["ETag"]
    assert etag == f'"{widget["metadata"]["resourceVersion"]}"'
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert api.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert api.get(path, headers={"If-None-Match": "*"}).status_code == 304
    assert api.get(path, headers={"If-None-Match": '"1"'}).status_code == 200

    changed = objects.patch(WIDGET, widget, {"spec": {"size": 99}})
    objects.shown(WIDGET, changed)
    fresh = api.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == f'"{changed["metadata"]["resourceVersion"]}"'
    assert fresh.json()["object"]["spec"]["size"] == 99


def test_unknown_object_is_404(api: Api, namespace: str) -> None:
    body = assert_problem(
        api.get(f"/api/v1/resources/{GROUP}/widgets/namespaces/{namespace}/nope"), 404
    )
    assert "deleted" not in body


def test_deleted_object_is_404_saying_so_with_a_history_link(
    api: Api, objects: Objects, namespace: str
) -> None:
    widget = objects.create(WIDGET, namespace=namespace)
    objects.shown(WIDGET, widget)
    objects.delete(WIDGET, widget)
    path = object_path(WIDGET, widget)

    def deleted() -> dict[str, Any] | None:
        response = api.get(path)
        return response.json() if response.json().get("deleted") else None

    body = wait_for(deleted, what="the deletion is recorded")
    assert_problem(api.get(path), 404)
    assert body["history"] == object_path(WIDGET, widget, "/history")
    assert body["deletedAt"].endswith("Z")
    history = api.json(body["history"])
    assert history["items"][0]["type"] == "DELETED"
    assert history["items"][0]["resourceVersion"] == body["lastResourceVersion"]
