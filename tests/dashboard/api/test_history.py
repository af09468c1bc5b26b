"""History, single revisions, diffs and Events of one object, from the history database."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import CLUSTER_POLICY, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem, object_path
from tests.kube_events import post_event
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


def _history(api: Api, kind: Any, obj: dict[str, Any], **params: Any) -> dict[str, Any]:
    return api.json(object_path(kind, obj, "/history"), params)


@pytest.fixture
def edited(api: Api, objects: Objects, namespace: str) -> list[dict[str, Any]]:
    """A widget created, reconciled, then resized: three revisions, newest last."""
    created = objects.create(WIDGET, namespace=namespace, spec={"size": 5})
    reconciled = objects.set_outcome(WIDGET, created, "Ready")
    resized = objects.patch(WIDGET, reconciled, {"spec": {"size": 6}})
    objects.shown(WIDGET, resized)
    wait_for(
        lambda: len(_history(api, WIDGET, created)["items"]) == 3, what="three revisions stored"
    )
    return [created, reconciled, resized]


def test_history_is_newest_first_with_managers_and_changed_paths(
    api: Api, edited: list[dict[str, Any]]
) -> None:
    body = _history(api, WIDGET, edited[0])
    items = body["items"]
    assert body["total"] == 3 and body["continue"] is None
    assert [i["resourceVersion"] for i in items] == [
        o["metadata"]["resourceVersion"] for o in reversed(edited)
    ]
    assert [i["type"] for i in items] == ["MODIFIED", "MODIFIED", "ADDED"]
    assert items[0]["changedPaths"] == ["/spec/size"]
    assert items[0]["managers"] == ["api-tests"]
    assert items[0]["generation"] == 2
    assert any(p.startswith("/status") for p in items[1]["changedPaths"])
    assert items[1]["state"] == "Current"
    assert all(i["uid"] == edited[0]["metadata"]["uid"] for i in items)
    assert all(i["observed"].endswith("Z") and not i["tombstone"] for i in items)


def test_history_pages_with_limit_and_continue(api: Api, edited: list[dict[str, Any]]) -> None:
    first = _history(api, WIDGET, edited[0], limit=2)
    assert len(first["items"]) == 2 and first["total"] == 3 and first["continue"]
    second = _history(api, WIDGET, edited[0], limit=2, **{"continue": first["continue"]})
    assert len(second["items"]) == 1 and second["continue"] is None
    assert second["items"][0]["type"] == "ADDED"
    other = object_path(WIDGET, {"metadata": {**edited[0]["metadata"], "name": "other"}})
    response = api.get(other + "/history", {"continue": first["continue"]})
    assert_problem(response, 400, "continue")
    assert_problem(api.get(object_path(WIDGET, edited[0], "/history"), {"limit": 0}), 400, "limit")


def test_revision_body_is_redacted(api: Api, edited: list[dict[str, Any]]) -> None:
    rv = edited[0]["metadata"]["resourceVersion"]
    body = api.json(object_path(WIDGET, edited[0], "/revision"), {"resourceVersion": rv})
    assert body["resourceVersion"] == rv and body["type"] == "ADDED"
    assert body["object"]["spec"]["size"] == 5
    assert body["object"]["spec"]["auth"]["password"] == "***redacted***"
    path = object_path(WIDGET, edited[0], "/revision")
    assert_problem(api.get(path, {"resourceVersion": "1"}), 404, "resourceVersion")
    assert_problem(api.get(path, {"resourceVersion": "abc"}), 400, "resourceVersion")


def test_diff_between_two_revisions(api: Api, edited: list[dict[str, Any]]) -> None:
    created, reconciled, resized = (o["metadata"]["resourceVersion"] for o in edited)
    path = object_path(WIDGET, edited[0], "/diff")
    body = api.json(path, {"from": reconciled, "to": resized})
    assert body == {
        "from": reconciled,
        "to": resized,
        "noise": False,
        "changes": [{"op": "replace", "path": "/spec/size", "old": 5, "new": 6}],
    }
    noisy = api.json(path, {"from": reconciled, "to": resized, "noise": "true"})["changes"]
    paths = {c["path"] for c in noisy}
    assert {"/spec/size", "/metadata/resourceVersion", "/metadata/generation"} <= paths

    status = api.json(path, {"from": created, "to": reconciled})["changes"]
    assert any(c["path"].startswith("/status") and c["op"] == "add" for c in status)


def test_diff_defaults_to_the_latest_change(api: Api, edited: list[dict[str, Any]]) -> None:
    path = object_path(WIDGET, edited[0], "/diff")
    body = api.json(path)
    assert body["to"] == edited[2]["metadata"]["resourceVersion"]
    assert body["from"] == edited[1]["metadata"]["resourceVersion"]
    assert [c["path"] for c in body["changes"]] == ["/spec/size"]
    first = api.json(path, {"to": edited[0]["metadata"]["resourceVersion"]})
    assert first["from"] is None
    assert {c["op"] for c in first["changes"]} == {"add"}


def test_diff_values_are_redacted(api: Api, objects: Objects, namespace: str) -> None:
    widget = objects.create(WIDGET, namespace=namespace)
    changed = objects.patch(WIDGET, widget, {"spec": {"auth": {"password": "hunter22"}}})
    objects.shown(WIDGET, changed)
    path = object_path(WIDGET, widget, "/diff")
    wait_for(lambda: len(_history(api, WIDGET, widget)["items"]) == 2, what="two revisions")
    change = api.json(path, {"to": changed["metadata"]["resourceVersion"]})["changes"]
    assert change == [
        {
            "op": "replace",
            "path": "/spec/auth/password",
            "old": "***redacted***",
            "new": "***redacted***",
        }
    ]
    assert "hunter22" not in str(api.json(path, {"noise": "true"}))


def test_bad_resource_versions_are_400_naming_the_parameter(
    api: Api, edited: list[dict[str, Any]]
) -> None:
    path = object_path(WIDGET, edited[0], "/diff")
    assert_problem(api.get(path, {"from": "abc"}), 400, "from")
    assert_problem(api.get(path, {"to": "-1"}), 400, "to")
    assert_problem(
        api.get(path, {"from": "1", "to": edited[2]["metadata"]["resourceVersion"]}), 400, "from"
    )
    assert_problem(api.get(path, {"to": "999999999"}), 400, "to")


def test_history_of_a_cluster_scoped_object(api: Api, objects: Objects) -> None:
    policy = objects.create(CLUSTER_POLICY, namespace=None)
    objects.shown(CLUSTER_POLICY, policy)
    wait_for(lambda: _history(api, CLUSTER_POLICY, policy)["items"], what="a revision")
    item = _history(api, CLUSTER_POLICY, policy)["items"][0]
    assert item["type"] == "ADDED"
    assert api.json(object_path(CLUSTER_POLICY, policy, "/diff"))["from"] is None


def test_events_of_an_object_newest_first_and_paged(
    api: Api, kube: KubeHTTP, objects: Objects, namespace: str
) -> None:
    widget = objects.create(WIDGET, namespace=namespace)
    objects.shown(WIDGET, widget)
    for minute, reason in enumerate(["Created", "Progressing", "ReconcileFailed"]):
        post_event(
            kube,
            widget,
            reason=reason,
            type_="Warning" if reason.endswith("Failed") else "Normal",
            at=f"2030-01-01T00:0{minute}:00Z",
            count=minute + 1,
            source="api-tests",
        )
    path = object_path(WIDGET, widget, "/events")
    wait_for(lambda: api.json(path)["total"] == 3, what="three events stored")
    body = api.json(path)
    assert [e["reason"] for e in body["items"]] == ["ReconcileFailed", "Progressing", "Created"]
    newest = body["items"][0]
    assert newest["type"] == "Warning" and newest["count"] == 3
    assert newest["message"] == "ReconcileFailed happened"
    assert newest["firstSeen"] == "2030-01-01T00:02:00Z" == newest["lastSeen"]
    assert newest["source"] == "api-tests"
    assert newest["involvedUid"] == widget["metadata"]["uid"]

    first = api.json(path, {"limit": 2})
    rest = api.json(path, {"limit": 2, "continue": first["continue"]})
    assert [e["reason"] for e in first["items"] + rest["items"]] == [
        "ReconcileFailed",
        "Progressing",
        "Created",
    ]
    assert rest["continue"] is None
    assert_problem(api.get(path, {"continue": "bogus"}), 400, "continue")


def test_history_and_events_of_an_unknown_object_are_404(api: Api, namespace: str) -> None:
    unknown = {"metadata": {"name": "never-existed", "namespace": namespace}}
    for suffix in ("/history", "/events", "/diff"):
        assert_problem(api.get(object_path(WIDGET, unknown, suffix)), 404)
