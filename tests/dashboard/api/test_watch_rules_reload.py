"""``/api/v1/watch`` tells the client when a reloaded health rules file changes a state.

The object does not change, so its resourceVersion does not either; only its reading
does. The stream used to skip such a change because it had already sent that uid and
resourceVersion, and a client following the watch kept the old state until it re-watched.
This server has its own user rules file (``CRSCOPE_HEALTH_RULES``), reloaded by the
engine's poll, as an operator's edited ConfigMap would be.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP, WIDGET
from devkit.dashboard_server import DashboardServer
from tests.dashboard.api.client import API_ENV, Api, Objects
from tests.dashboard.api.test_watch import RESOURCE, WATCH, Stream, _named

pytestmark = pytest.mark.cluster
RULE = "test/marked-widgets"


def _rule(prefix: str) -> str:
    return f"""rules:
  - name: {RULE}
    match: {{group: {GROUP}, kind: Widget}}
    inputs:
      name: object.metadata.name
    cases:
      - when: name.startsWith("{prefix}")
        state: Failed
        reason: Marked
"""


@pytest.fixture(scope="module")
def rules_api(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Api, Path]]:
    workdir = tmp_path_factory.mktemp("watch-rules-dashboard")
    rules = workdir / "rules.yaml"
    rules.write_text("rules: []\n")
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=workdir,
        extra_env={**API_ENV, "CRSCOPE_HEALTH_RULES": str(rules)},
    )
    server.start(timeout=120)
    try:
        with requests.Session() as session:
            yield Api(server, session), rules
    finally:
        server.stop()


def test_a_reloaded_rule_reaches_an_open_watch(
    rules_api: tuple[Api, Path], kube: KubeHTTP, namespace: str
) -> None:
    api, rules = rules_api
    objects = Objects(kube, api, random.Random(7))
    prefix = f"m{uuid.uuid4().hex[:6]}-"
    name = f"{prefix}0"
    # With a status, so its state does not depend on "waiting for a controller".
    widget = objects.set_outcome(
        WIDGET, objects.create(WIDGET, namespace=namespace, name=name), "Ready"
    )
    objects.shown(WIDGET, widget)
    response = api.get(WATCH, {"resource": RESOURCE, "namespace": namespace}, stream=True)
    assert response.status_code == 200, response.text
    stream = Stream(response)
    try:
        (added,) = stream.initial()
        assert added["state"]["state"] == "Current"
        sent_rv = added["object"]["metadata"]["resourceVersion"]

        rules.write_text(_rule(prefix))
        _, line = stream.until(_named(name, "MODIFIED"), timeout=90)
        assert (line["state"]["state"], line["state"]["reason"]) == ("Failed", "Marked")
        assert line["state"]["rule"] == RULE
        # The object is the same: the event carries its unchanged resourceVersion.
        assert line["object"]["metadata"]["resourceVersion"] == sent_rv

        rules.write_text("rules: []\n")  # and back, when the rule goes away
        _, line = stream.until(_named(name, "MODIFIED"), timeout=90)
        assert line["state"]["state"] == "Current"
    finally:
        stream.close()
    # A client that re-watches gets the state in force in its initial ADDED lines.
    fresh = api.get(
        WATCH, {"resource": RESOURCE, "namespace": namespace, "timeoutSeconds": 0}, stream=True
    )
    again = Stream(fresh)
    try:
        (added,) = again.initial()
        assert added["state"]["state"] == "Current"
    finally:
        again.close()
