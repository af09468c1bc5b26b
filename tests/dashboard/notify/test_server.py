"""The real server (daphne subprocess): rules from CRSCOPE_NOTIFY_RULES, API, page, restart.

Skipped until the notify app is wired into lifecycle.py, the API and the URL map (the
wiring is described in docs/notifications.md); it then proves the wiring end to end.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.dashboard.notify.receiver import Receiver
from tests.informers.kit import make_crd, obj, wait_until

pytestmark = [pytest.mark.cluster]


def get(server: DashboardServer, path: str) -> Any:
    with urllib.request.urlopen(f"{server.url}{path}", timeout=10) as response:
        body = response.read()
    return json.loads(body) if path.startswith("/api/") else body.decode()


def test_the_server_notifies_shows_rules_and_delivers_after_a_restart(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    group: str,
    namespace: str,
    tmp_path: Path,
    receiver: Receiver,
) -> None:
    make_crd(kube, group=group, kind="Widget", plural="widgets")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"destinations:\n  - {{name: hook, type: webhook, url: '{receiver.url}'}}\n"
        "rules:\n  - {name: failed, trigger: {state: Failed}, destinations: [hook, in-app]}\n"
        "  - {name: typo, trigger: {stat: Failed}}\n"
    )
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path / "server",
        extra_env={
            "CRSCOPE_NOTIFY_RULES": str(rules),
            "CRSCOPE_PUBLIC_URL": "https://crscope.test",
            "CRSCOPE_NOTIFY_RETRY_BASE_SECONDS": "0.2",
            "CRSCOPE_NOTIFY_RETRY_MAX_SECONDS": "1",
            "CRSCOPE_INCLUDE_GROUPS": group,
            "CRSCOPE_EVENTS": "off",
        },
    )
    server.start()
    base = f"/apis/{group}/v1/namespaces/{namespace}/widgets"

    def fail(name: str) -> None:
        kube.request(
            "POST", base, body=obj(group=group, kind="Widget", name=name, namespace=namespace)
        )
        kube.request(
            "PATCH",
            f"{base}/{name}/status",
            content_type=MERGE_PATCH,
            body={"status": {"conditions": [{"type": "Stalled", "status": "True", "reason": "X"}]}},
        )

    try:
        status = get(server, "/api/v1/notifications/rules")
        assert [r["name"] for r in status["rules"]] == ["failed"]
        assert status["errors"][0]["field"] == "trigger.stat"
        fail("first")
        wait_until(lambda: receiver.received, timeout=20, message="webhook from the server")
        body = receiver.bodies()[0]
        assert body["link"] == f"https://crscope.test/k/{group}/widgets/{namespace}/first/"
        assert "first" in get(server, "/notifications/")
        receiver.down()
        fail("second")
        wait_until(
            lambda: get(server, "/api/v1/notifications?status=pending")["items"],
            timeout=20,
            message="a pending delivery",
        )
        server.stop()
        receiver.up()
        server.start()
        wait_until(
            lambda: len(receiver.received) == 2, timeout=30, message="delivered after the restart"
        )
        assert [b["object"]["name"] for b in receiver.bodies()] == ["first", "second"]
    finally:
        server.stop()
