"""``/api/v1/watch`` tells the client when a bare object starts "waiting for a controller".

The object does not change: its kind's tally does (``informers.awaiting``), when enough
of its siblings get a status. The informer re-evaluates it and publishes the new state
under the same resourceVersion, which the stream used to skip. The kind is this module's
own CRD group, so that no other test's objects move its tally.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from tests.dashboard.api.client import Api
from tests.dashboard.api.test_watch import WATCH, Stream, _named
from tests.dashboard.ui.gadgets import CRDS, gadget_crd, served
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture
def group(kube: KubeHTTP) -> Iterator[str]:
    name = f"t{uuid.uuid4().hex[:8]}.crscope.test"
    kube.request("POST", CRDS, body=gadget_crd(name))
    try:
        wait_for(lambda: served(kube, name), timeout=60, what="the CRD is served")
        yield name
    finally:
        kube.request("DELETE", f"{CRDS}/gadgets.{name}")


def test_a_bare_object_starts_waiting_on_an_open_watch(
    api: Api, kube: KubeHTTP, group: str, namespace: str
) -> None:
    path = f"/apis/{group}/v1/namespaces/{namespace}/gadgets"

    def create(name: str) -> None:
        body = {
            "apiVersion": f"{group}/v1",
            "kind": "Gadget",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {},
        }
        kube.request("POST", path, body=body)

    create("bare")
    resource = f"{group}/gadgets"

    def opened() -> Stream | None:
        response = api.get(WATCH, {"resource": resource, "namespace": namespace}, stream=True)
        if response.status_code != 200:
            response.close()
            return None
        return Stream(response)

    stream = wait_for(opened, timeout=90, what="the new kind is watched")
    try:
        initial = stream.initial()
        if not initial:  # the engine had not cached it yet
            stream.until(_named("bare", "ADDED"), timeout=60)
        else:
            (added,) = initial
            assert added["state"]["state"] == "Current"
        for i in range(3):
            create(f"g{i}")
            kube.request(
                "PATCH",
                f"{path}/g{i}/status",
                body={"status": {"owner": "controller"}},
                content_type="application/merge-patch+json",
            )
        _, line = stream.until(_named("bare", "MODIFIED"), timeout=90)
        assert (line["state"]["state"], line["state"]["reason"]) == (
            "InProgress",
            "AwaitingController",
        )
    finally:
        stream.close()
