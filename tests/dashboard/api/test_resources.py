"""``/api/v1/resources``: the watched kinds with their counts by state."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.controlplane.samples import DATABASE, GROUP
from tests.dashboard.api.client import Api, Objects
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


def _kinds(api: Api) -> dict[str, dict[str, Any]]:
    return {f"{k['group']}/{k['plural']}": k for k in api.json("/api/v1/resources")["items"]}


def test_lists_every_watched_kind_with_its_identity_and_columns(api: Api) -> None:
    body = api.json("/api/v1/resources")
    assert body["synced"] is True
    kinds = _kinds(api)
    widgets = kinds[f"{GROUP}/widgets"]
    assert widgets["kind"] == "Widget"
    assert widgets["version"] == "v1"
    assert widgets["scope"] == "Namespaced"
    assert set(widgets["versions"]) == {"v1alpha1", "v1"}
    assert [c["name"] for c in widgets["columns"]] == ["Size", "Color", "Ready", "Age"]
    assert widgets["synced"] is True
    assert widgets["progress"]["loaded"] == widgets["count"]
    assert kinds[f"{GROUP}/clusterpolicies"]["scope"] == "Cluster"
    assert set(widgets["states"]) == {"Current", "InProgress", "Failed", "Terminating", "Unknown"}


def test_counts_follow_objects_and_their_states(api: Api, objects: Objects, namespace: str) -> None:
    before = _kinds(api)[f"{GROUP}/databases"]
    db = objects.create(DATABASE, namespace=namespace)
    objects.set_outcome(DATABASE, db, "Stalled")

    def counted() -> dict[str, Any] | None:
        now = _kinds(api)[f"{GROUP}/databases"]
        grew = now["count"] == before["count"] + 1
        return now if grew and now["states"]["Failed"] == before["states"]["Failed"] + 1 else None

    after = wait_for(counted, what="the new Failed database is counted")
    assert sum(after["states"].values()) == after["count"]
    objects.delete(DATABASE, db)
    wait_for(
        lambda: _kinds(api)[f"{GROUP}/databases"]["count"] == before["count"],
        what="the deleted database is no longer counted",
    )


def test_counts_include_stuck_objects(api: Api, objects: Objects, namespace: str) -> None:
    before = _kinds(api)[f"{GROUP}/databases"]["stuck"]
    db = objects.create(DATABASE, namespace=namespace)
    objects.set_outcome(DATABASE, db, "Reconciling")
    # The test server calls Databases stuck after 2 s InProgress.
    wait_for(
        lambda: _kinds(api)[f"{GROUP}/databases"]["stuck"] >= before + 1, what="a stuck database"
    )
    objects.delete(DATABASE, db)
