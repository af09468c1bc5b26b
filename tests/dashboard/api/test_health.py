"""``/api/v1/health``: counts by state, the attention list worst first, and the 503 gate."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.controlplane.samples import DATABASE, GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

FINALIZER = "demo.crscope.dev/cleanup"


def _health(api: Api, namespace: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = api.get("/api/v1/health", {"namespace": namespace, **params})
    assert response.status_code in (200, 503), response.text
    return response.status_code, response.json()


def test_gate_opens_and_closes_with_what_needs_attention(
    api: Api, objects: Objects, namespace: str
) -> None:
    status, body = _health(api, namespace, fail="true")
    assert (status, body["healthy"], body["total"], body["attention"]) == (200, True, 0, [])

    fine = objects.set_outcome(WIDGET, objects.create(WIDGET, namespace=namespace), "Ready")
    broken = objects.set_outcome(WIDGET, objects.create(WIDGET, namespace=namespace), "Stalled")
    wait_for(lambda: _health(api, namespace, fail="true")[0] == 503, what="the gate closes")
    status, body = _health(api, namespace, fail="true")
    assert body["healthy"] is False
    assert [a["name"] for a in body["attention"]] == [broken["metadata"]["name"]]
    assert body["attention"][0]["state"]["state"] == "Failed"
    assert body["states"]["Failed"] == 1 and body["states"]["Current"] == 1
    # without fail=true the same answer is a 200
    assert _health(api, namespace)[0] == 200

    objects.set_outcome(WIDGET, broken, "Ready")
    wait_for(lambda: _health(api, namespace, fail="true")[0] == 200, what="the gate opens")
    assert _health(api, namespace)[1]["states"]["Current"] == 2
    assert fine


def test_attention_is_worst_first_and_limited(api: Api, objects: Objects, namespace: str) -> None:
    slow = objects.set_outcome(
        DATABASE, objects.create(DATABASE, namespace=namespace, name="slow"), "Reconciling"
    )
    busy = objects.set_outcome(
        WIDGET, objects.create(WIDGET, namespace=namespace, name="busy"), "Reconciling"
    )
    leaving = objects.create(WIDGET, namespace=namespace, name="leaving")
    objects.patch(WIDGET, leaving, {"metadata": {"finalizers": [FINALIZER]}})
    objects.delete(WIDGET, leaving)
    failed = objects.set_outcome(
        WIDGET, objects.create(WIDGET, namespace=namespace, name="failed"), "Stalled"
    )
    try:
        # Databases are stuck after 2 s InProgress on the test server; Widgets after 10 min.
        def ready() -> dict[str, Any] | None:
            body = _health(api, namespace)[1]
            return body if body["attentionTotal"] == 3 else None

        body = wait_for(ready, what="failed, terminating and stuck objects")
        # Failed, then stuck, then Terminating (not yet stuck): the home page's order too.
        assert [a["name"] for a in body["attention"]] == ["failed", "slow", "leaving"]
        assert [a["state"]["state"] for a in body["attention"]] == [
            "Failed",
            "InProgress",
            "Terminating",
        ]
        assert body["attention"][1]["state"]["stuck"] is True
        assert body["attention"][1]["kind"] == "Database"
        assert body["stuck"] == 1
        assert body["states"]["InProgress"] == 2  # busy is InProgress, but not yet stuck
        # Keyed by group too: other tests leave kinds named "widgets" in their own groups.
        kinds = {(k["group"], k["plural"]): k for k in body["kinds"]}
        assert kinds[(GROUP, "widgets")]["total"] == 3
        assert kinds[(GROUP, "databases")]["stuck"] == 1

        limited = _health(api, namespace, limit=1)[1]
        assert [a["name"] for a in limited["attention"]] == ["failed"]
        assert limited["attentionTotal"] == 3
        only_db = _health(api, namespace, resource=f"{GROUP}/databases")[1]
        assert [a["name"] for a in only_db["attention"]] == ["slow"]
        assert [k["plural"] for k in only_db["kinds"]] == ["databases"]
    finally:
        objects.patch(WIDGET, leaving, {"metadata": {"finalizers": None}})
    assert slow and busy and failed


def test_health_across_namespaces_counts_everything(api: Api) -> None:
    body = api.get("/api/v1/health").json()
    assert body["total"] == sum(body["states"].values())
    assert body["total"] == sum(k["total"] for k in body["kinds"])
    resources = api.json("/api/v1/resources")["items"]
    assert {k["plural"] for k in body["kinds"]} == {k["plural"] for k in resources}


def test_bad_health_parameters(api: Api) -> None:
    assert_problem(api.get("/api/v1/health", {"resource": "no/such"}), 404, "resource")
    assert_problem(api.get("/api/v1/health", {"limit": "0"}), 400, "limit")
    assert_problem(api.get("/api/v1/health", {"fail": "perhaps"}), 400, "fail")


def test_body_says_synced_and_which_kinds_are_syncing(api: Api, namespace: str) -> None:
    status, body = _health(api, namespace, fail="true")
    assert status == 200
    assert (body["synced"], body["syncing"]) == (True, [])
    assert all(k["synced"] and k["unavailable"] is None for k in body["kinds"])


def test_unknown_namespace_or_kind_is_a_404_not_healthy(api: Api, namespace: str) -> None:
    """A typo in a CI gate must fail it: "healthy, 0 objects" for a missing namespace
    used to pass ``curl --fail``. An existing but empty namespace is healthy."""
    assert _health(api, namespace, fail="true")[0] == 200
    missing = f"no-such-{namespace}"
    for params in (
        {"namespace": missing},
        {"namespace": missing, "fail": "true"},
        {"namespace": "Not_A-Name\u202e", "fail": "true"},  # cannot exist: not even asked
    ):
        problem = assert_problem(api.get("/api/v1/health", params), 404, "namespace")
        assert problem["type"].endswith(":not-found")
    problem = assert_problem(
        api.get("/api/v1/health", {"resource": f"{GROUP}/nosuchthings", "fail": "true"}),
        404,
        "resource",
    )
    assert problem["type"].endswith(":not-found")
