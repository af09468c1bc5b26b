"""The rule tester counts "waiting for a controller" as the engine does.

"Now" is the state the dashboard shows (the cached one), so a bare object of a kind whose
objects carry a status is InProgress (``AwaitingController``) there, not Current. "With the
draft" applies the kind's learned tally under the draft's rules, so a draft that says
``awaitController: false`` shows that object turning Current, and a draft that does not
touch the kind shows no change. The kind is this module's own CRD group, so that no other
test's objects move its tally.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from tests.dashboard.api.client import Api
from tests.dashboard.api.test_health_rules import post
from tests.dashboard.ui.gadgets import CRDS, gadget_crd, served
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture
def gadgets(api: Api, kube: KubeHTTP, namespace: str) -> Iterator[str]:
    """Four Gadgets of a new group: three with a status, one without."""
    group = f"t{uuid.uuid4().hex[:8]}.crscope.test"
    kube.request("POST", CRDS, body=gadget_crd(group))
    try:
        wait_for(lambda: served(kube, group), timeout=60, what="the CRD is served")
        path = f"/apis/{group}/v1/namespaces/{namespace}/gadgets"
        for i in range(4):
            body = {
                "apiVersion": f"{group}/v1",
                "kind": "Gadget",
                "metadata": {"name": f"g{i}", "namespace": namespace},
                "spec": {},
            }
            kube.request("POST", path, body=body)
            if i < 3:
                kube.request(
                    "PATCH",
                    f"{path}/g{i}/status",
                    body={"status": {"owner": "controller"}},
                    content_type="application/merge-patch+json",
                )
        resource = f"{group}/gadgets"
        listed = f"/api/v1/resources/{group}/gadgets"

        def awaiting() -> bool:
            response = api.get(listed, {"namespace": namespace})
            if response.status_code != 200:
                return False
            items = response.json()["items"]
            return len(items) == 4 and any(
                i["state"]["reason"] == "AwaitingController" for i in items
            )

        wait_for(awaiting, timeout=90, what="the bare gadget waits for a controller")
        yield resource
    finally:
        kube.request("DELETE", f"{CRDS}/gadgets.{group}")


def _draft(group: str, *, await_controller: bool) -> str:
    return f"""rules:
  - name: test/gadgets
    match: {{group: "{group}", kind: Gadget}}
    awaitController: {str(await_controller).lower()}
    cases:
      - when: object.metadata.name == "nothing-is-called-this"
        state: Failed
        reason: Never
"""


def _tested(api: Api, resource: str, text: str) -> dict[str, Any]:
    response = post(api, {"rules": text, "resource": resource})
    assert response.status_code == 200, response.text[:500]
    body: dict[str, Any] = response.json()
    return body


def test_now_counts_a_bare_object_as_waiting(api: Api, gadgets: str) -> None:
    group = gadgets.split("/")[0]
    body = _tested(api, gadgets, _draft(group, await_controller=True))
    assert body["before"]["InProgress"] == 1 and body["before"]["Current"] == 3
    assert body["after"] == body["before"]
    assert body["changed"] == 0 and body["changes"] == []


def test_a_draft_that_switches_off_waiting_shows_the_change(api: Api, gadgets: str) -> None:
    group = gadgets.split("/")[0]
    body = _tested(api, gadgets, _draft(group, await_controller=False))
    assert body["before"]["InProgress"] == 1
    assert body["after"]["InProgress"] == 0 and body["after"]["Current"] == 4
    (change,) = body["changes"]
    assert change["name"] == "g3"
    assert (change["before"]["state"], change["before"]["reason"]) == (
        "InProgress",
        "AwaitingController",
    )
    assert change["before"]["rule"] == "generic/awaiting-controller"
    assert change["after"]["state"] == "Current"
