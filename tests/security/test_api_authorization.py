"""Each user sees exactly what their RBAC allows, through every API path."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from tests.informers.kit import wait_until
from tests.security.tokenmode import AUTHZ_TTL, Grants, Http

pytestmark = pytest.mark.cluster
WIDGETS = "/api/v1/resources/demo.crscope.dev/widgets"
DATABASES = "/api/v1/resources/demo.crscope.dev/databases"


def _limited(cp: ControlPlane) -> str:
    return cp.tokens["limited"]


def _wait_synced(http: Http, cp: ControlPlane, grants: Grants) -> None:
    def seen() -> bool:
        status, body = http.get(f"{WIDGETS}?namespace={grants.other_ns}", token=cp.tokens["admin"])
        return status == 200 and body["total"] == 2

    wait_until(seen, timeout=15, message="dashboard cached the fixtures")


def test_no_or_bad_credentials_get_401(http: Http, control_plane: ControlPlane) -> None:
    status, body = http.get("/api/v1/resources")
    assert status == 401 and body["status"] == 401 and body["detail"]
    # the middleware's 401 has the type a view's 401 has (urn:crscope:problem:<slug>)
    assert body["type"] == "urn:crscope:problem:unauthenticated"
    status, body = http.get("/api/v1/resources", token="not-a-real-token")
    assert status == 401 and "invalid" in body["detail"]
    status, _ = http.get("/api/v1/resources", headers={"Authorization": "Basic abc"})
    assert status == 401


def test_limited_user_sees_one_namespace_of_one_kind(
    http: Http, control_plane: ControlPlane, grants: Grants
) -> None:
    _wait_synced(http, control_plane, grants)
    token = _limited(control_plane)
    status, body = http.get("/api/v1/resources", token=token)
    assert status == 200
    kinds = (
        {(k["group"], k["plural"]): k for k in body["items"]}
        if isinstance(body, dict)
        else {(k["group"], k["plural"]): k for k in body}
    )
    assert set(kinds) == {("demo.crscope.dev", "widgets")}
    assert kinds[("demo.crscope.dev", "widgets")]["count"] == 2

    status, body = http.get(WIDGETS, token=token)
    assert status == 200
    assert {i["namespace"] for i in body["items"]} == {grants.allowed_ns}
    assert body["total"] == 2
    status, body = http.get(f"{WIDGETS}?namespace={grants.other_ns}", token=token)
    assert status == 200 and body["items"] == [] and body["total"] == 0

    status, _ = http.get(DATABASES, token=token)
    assert status == 404  # a kind the user cannot list looks like no kind at all

    status, body = http.get("/api/v1/health", token=token)
    assert status == 200
    text = json.dumps(body)
    assert "databases" not in text and grants.other_ns not in text

    other_name = http.get(
        f"{WIDGETS}?namespace={grants.other_ns}", token=control_plane.tokens["admin"]
    )[1]["items"][0]["name"]
    status, _ = http.get(f"{WIDGETS}/namespaces/{grants.other_ns}/{other_name}", token=token)
    assert status == 404


def test_health_gives_one_answer_for_missing_and_invisible_namespaces(
    http: Http, control_plane: ControlPlane, grants: Grants
) -> None:
    """A limited user cannot tell a namespace they may not see from one that does not
    exist: both are the same 404 problem, and neither is "healthy, 0 objects"."""
    _wait_synced(http, control_plane, grants)
    token = _limited(control_plane)
    answers = []
    for namespace in (grants.other_ns, f"missing-{grants.other_ns}"):
        status, body = http.get(f"/api/v1/health?fail=true&namespace={namespace}", token=token)
        assert status == 404, body
        answers.append((body["type"], body["param"], body["detail"].replace(namespace, "NS")))
    assert answers[0] == answers[1]
    status, body = http.get(f"/api/v1/health?fail=true&namespace={grants.allowed_ns}", token=token)
    assert status == 200 and body["synced"] is True and body["total"] == 2


def test_watch_stream_is_filtered_and_unlisted_kinds_are_refused(
    http: Http, control_plane: ControlPlane, grants: Grants
) -> None:
    _wait_synced(http, control_plane, grants)
    token = _limited(control_plane)
    status, _ = http.get(
        "/api/v1/watch?resource=demo.crscope.dev/databases&timeoutSeconds=1", token=token
    )
    assert status in (403, 404)
    request = urllib.request.Request(
        f"{http.base}/api/v1/watch?resource=demo.crscope.dev/widgets&timeoutSeconds=2",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
        lines = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
    namespaces = {
        (ev["object"].get("metadata") or {}).get("namespace")
        for ev in lines
        if ev["type"] in ("ADDED", "MODIFIED", "DELETED")
    }
    assert namespaces == {grants.allowed_ns}


def test_revoking_the_binding_removes_access_within_the_ttl(
    http: Http, control_plane: ControlPlane, kube: KubeHTTP, grants: Grants
) -> None:
    _wait_synced(http, control_plane, grants)
    token = _limited(control_plane)
    assert http.get(WIDGETS, token=token)[1]["total"] == 2
    kube.request("DELETE", grants.role_binding_path)
    revoked = time.monotonic()
    wait_until(
        lambda: http.get(WIDGETS, token=token)[0] == 404,
        timeout=AUTHZ_TTL + 5,
        interval=0.2,
        message="access removed after revocation",
    )
    assert time.monotonic() - revoked <= AUTHZ_TTL + 5
    status, body = http.get("/api/v1/resources", token=token)
    assert status == 200 and "widgets" not in json.dumps(body)
