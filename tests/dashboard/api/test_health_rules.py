"""``/api/v1/health-rules``: the rules in force, and the tester for a draft rules file.

The tester evaluates a draft on the cached objects of one kind and answers the counts
before and after and the objects whose state would change, each with its why. A limited
user (``bob``, a Role on Widgets in one namespace) gets only the objects he may list; a
draft that does not compile is a 400 problem naming the field and position; oversized
input is refused before any work.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import DATABASE, GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem, list_path
from tests.security.clusterrbac import namespace_grant
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

TEST = "/api/v1/health-rules/test"
WIDGETS = f"{GROUP}/widgets"


def draft(prefix: str, *, state: str = "Failed") -> str:
    """A rule that marks the Widgets whose name starts with ``prefix``."""
    return f"""rules:
  - name: test/marked-widgets
    match: {{group: {GROUP}, kind: Widget}}
    inputs:
      name: object.metadata.name
    cases:
      - when: name.startsWith("{prefix}")
        state: {state}
        reason: Marked
        message: '"marked: " + name'
"""


def post(
    api: Api, body: Any, *, token: str | None = None, raw: bytes | None = None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {"Origin": api.url}
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return api.session.post(f"{api.url}{TEST}", data=raw, headers=headers, timeout=60)
    return api.session.post(f"{api.url}{TEST}", json=body, headers=headers, timeout=60)


def _ready(api: Api, objects: Objects, namespace: str, prefix: str) -> list[dict[str, Any]]:
    marked = [
        objects.set_outcome(
            WIDGET, objects.create(WIDGET, namespace=namespace, name=f"{prefix}{i}"), "Ready"
        )
        for i in range(2)
    ]
    plain = objects.set_outcome(WIDGET, objects.create(WIDGET, namespace=namespace), "Ready")
    for obj in (*marked, plain):
        objects.shown(WIDGET, obj)
    return marked


def test_the_tester_shows_counts_and_changed_objects_with_why(
    api: Api, objects: Objects, namespace: str
) -> None:
    prefix = f"m{uuid.uuid4().hex[:6]}-"
    _ready(api, objects, namespace, prefix)
    response = post(api, {"rules": draft(prefix), "resource": WIDGETS})
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["resource"] == WIDGETS and body["kind"] == "Widget"
    assert body["draftRules"] == ["test/marked-widgets"]
    assert body["matching"] == ["test/marked-widgets"]
    assert body["decidedByDraft"] == 2 and body["changed"] == 2
    assert body["after"]["Failed"] - body["before"]["Failed"] == 2
    assert body["evaluated"] == body["total"] >= 3 and not body["truncated"]
    mine = sorted(body["changes"], key=lambda c: c["name"])
    assert [(c["namespace"], c["name"]) for c in mine] == [
        (namespace, f"{prefix}0"),
        (namespace, f"{prefix}1"),
    ]
    change = mine[0]
    assert change["before"]["state"] == "Current"
    after = change["after"]
    assert (after["state"], after["reason"], after["rule"]) == (
        "Failed",
        "Marked",
        "test/marked-widgets",
    )
    assert after["message"] == f"marked: {prefix}0"
    assert after["inputs"] == {"name": f"{prefix}0"}
    assert after["when"] == f'name.startsWith("{prefix}")'
    assert after["why"] == f'test/marked-widgets: name.startsWith("{prefix}") (name="{prefix}0")'


def test_a_draft_that_changes_nothing_says_so(api: Api, objects: Objects, namespace: str) -> None:
    prefix = f"m{uuid.uuid4().hex[:6]}-"
    _ready(api, objects, namespace, prefix)
    body = post(api, {"rules": draft(prefix, state="Current"), "resource": WIDGETS}).json()
    assert body["changed"] == 0 and body["changes"] == []
    assert body["decidedByDraft"] == 2
    assert body["before"] == body["after"]


def test_a_bad_rule_is_a_400_naming_field_and_position(api: Api) -> None:
    text = draft("x").replace('name.startsWith("x")', 'name.startsWith("x"')
    problem = assert_problem(post(api, {"rules": text, "resource": WIDGETS}), 400, "rules")
    assert problem["type"] == "urn:crscope:problem:bad-rule"
    assert problem["field"] == "rules[0].cases[0].when"
    assert problem["line"] == 7 and isinstance(problem["column"], int)
    assert "line 7" in problem["detail"]
    missing = assert_problem(
        post(api, {"rules": "rules:\n  - name: x\n    cases: []\n", "resource": WIDGETS}),
        400,
        "rules",
    )
    assert missing["field"].startswith("rules[0]") and missing["line"] == 2


def test_oversized_input_is_refused_before_any_work(api: Api) -> None:
    huge = "#" * 70_000
    assert_problem(post(api, {"rules": huge, "resource": WIDGETS}), 400, "rules")
    body = b'{"rules": "' + b"#" * (1024 * 1024 + 10) + b'", "resource": "x/y"}'
    response = post(api, None, raw=body)
    assert response.status_code == 413


def test_an_unknown_kind_is_404(api: Api) -> None:
    assert_problem(post(api, {"rules": draft("x"), "resource": f"{GROUP}/nothings"}), 404)


def test_a_cross_site_post_is_refused(api: Api) -> None:
    response = api.session.post(
        f"{api.url}{TEST}",
        json={"rules": draft("x"), "resource": WIDGETS},
        headers={"Origin": "https://evil.example"},
        timeout=30,
    )
    assert response.status_code == 403


def test_a_limited_user_tests_only_objects_they_may_list(
    api: Api,
    kube: KubeHTTP,
    objects: Objects,
    control_plane: ControlPlane,
    namespace: str,
) -> None:
    other = f"t-{uuid.uuid4().hex[:8]}"
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": other}})
    prefix = f"m{uuid.uuid4().hex[:6]}-"
    _ready(api, objects, namespace, prefix)
    _ready(api, objects, other, prefix)
    token = control_plane.tokens["bob"]
    everything = post(api, {"rules": draft(prefix), "resource": WIDGETS}).json()
    assert everything["decidedByDraft"] == 4  # the admin sees both namespaces

    with namespace_grant(kube, user="bob", plural="widgets", namespace=namespace):

        def answered() -> dict[str, Any] | None:
            response = post(api, {"rules": draft(prefix), "resource": WIDGETS}, token=token)
            return response.json() if response.status_code == 200 else None

        body = wait_for(answered, what="bob may test widgets")
        assert {(c["namespace"], c["name"]) for c in body["changes"]} == {
            (namespace, f"{prefix}0"),
            (namespace, f"{prefix}1"),
        }
        assert body["changed"] == 2 and body["decidedByDraft"] == 2
        assert body["total"] == sum(body["before"].values()) < everything["total"]
        # A kind bob may list nowhere looks like one that does not exist.
        databases = f"{GROUP}/{DATABASE.plural}"
        assert_problem(post(api, {"rules": draft(prefix), "resource": databases}, token=token), 404)


def test_rules_in_force_lists_the_shipped_pack(api: Api) -> None:
    body = api.json("/api/v1/health-rules")
    assert body["shipped"] and set(body["shipped"]) <= set(body["rules"])
    assert body["error"] is None


def test_objects_say_which_rule_decided_their_state(
    api: Api, objects: Objects, namespace: str
) -> None:
    """The detail, the list and the health gate's attention items carry rule, inputs, when."""
    obj = objects.set_outcome(WIDGET, objects.create(WIDGET, namespace=namespace), "Stalled")
    detail = objects.shown(WIDGET, obj)["state"]
    assert detail["state"] == "Failed"
    assert detail["rule"] == "generic/stalled-condition"
    assert detail["when"] == 'conditions.Stalled.status == "True"'
    assert detail["inputs"]["conditions.Stalled.status"] == "True"
    listed = api.json(list_path(WIDGET), {"namespace": namespace})["items"]
    assert [item["state"] for item in listed] == [detail]
    health = api.json("/api/v1/health", {"namespace": namespace})
    (item,) = [a for a in health["attention"] if a["name"] == obj["metadata"]["name"]]
    assert (item["state"]["rule"], item["state"]["inputs"]) == (detail["rule"], detail["inputs"])


def test_a_draft_cannot_read_a_secret(api: Api, objects: Objects, namespace: str) -> None:
    """Objects are evaluated redacted: an input, a reason or a comparison sees the mask."""
    prefix = f"s{uuid.uuid4().hex[:6]}-"
    created = objects.create(WIDGET, namespace=namespace, name=f"{prefix}0")
    objects.shown(WIDGET, created)
    secret = created["spec"]["auth"]["password"]
    text = f"""rules:
  - name: test/probe
    match: {{group: {GROUP}, kind: Widget}}
    inputs:
      name: object.metadata.name
      pw: object.spec.auth.password
    cases:
      - when: name.startsWith("{prefix}") && pw == "{secret}"
        state: Unknown
        reason: Guessed
      - when: name.startsWith("{prefix}")
        state: Failed
        reason: Probe
        reasonFrom: pw
        message: pw
"""
    body = post(api, {"rules": text, "resource": WIDGETS}).json()
    (change,) = body["changes"]
    after = change["after"]
    assert (after["state"], after["reason"], after["message"]) == (
        "Failed",
        "***redacted***",
        "***redacted***",
    )
    assert after["inputs"]["pw"] == "***redacted***"
    assert secret not in str(body)
