"""A real dashboard stopped and started around changes made while it was down.

Why shared: the history integration test reads what this scenario leaves in the API, and
the restart journey reads the same scenario in Chromium; both must see the same story.
Each test runs its own dashboard (own database, one namespace, one kind), so restarting
it never disturbs the session's shared dashboard.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import GROUP, WIDGET, sample_object, write_params
from devkit.dashboard_server import DashboardServer
from tests.informers.kit import wait_until

#: The field manager of the one change made while the dashboard was down.
NIGHT_EDITOR = "night-shift-editor"
CREATOR = "widget-creator"
BOUND = 60.0  # generous: a restart on a loaded 2-core machine


def restartable_dashboard(cp: ControlPlane, workdir: Path, namespace: str) -> DashboardServer:
    return DashboardServer(
        kubeconfig=cp.kubeconfig_path("admin"),
        workdir=workdir,
        extra_env={
            "CRSCOPE_INCLUDE_GROUPS": GROUP,
            "CRSCOPE_NAMESPACES": namespace,
            "CRSCOPE_EVENTS": "off",
        },
    )


def create(kube: KubeHTTP, namespace: str, name: str) -> dict[str, Any]:
    body = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    body["metadata"]["name"] = name
    body["spec"]["size"] = 1
    return kube.request(
        "POST", WIDGET.collection_path(namespace), body=body, query=write_params(CREATOR)
    )


def edit_size(kube: KubeHTTP, namespace: str, name: str, size: int, manager: str) -> str:
    """Change spec.size as ``manager``; the new resourceVersion."""
    updated = kube.request(
        "PATCH",
        WIDGET.object_path(name, namespace),
        body={"spec": {"size": size}},
        content_type=MERGE_PATCH,
        query={"fieldManager": manager},
    )
    return str(updated["metadata"]["resourceVersion"])


def history(server: DashboardServer, namespace: str, name: str) -> list[dict[str, Any]]:
    """The history API's revisions of one Widget, newest first ([] while it has none)."""
    path = f"/api/v1/resources/{GROUP}/{WIDGET.plural}/namespaces/{namespace}/{name}"
    resp = requests.get(f"{server.url}{path}/history", params={"limit": 100}, timeout=10)
    if resp.status_code == 404:
        return []
    resp.raise_for_status()
    return list(resp.json()["items"])


def revision_object(server: DashboardServer, namespace: str, name: str, rv: str) -> Any:
    path = f"/api/v1/resources/{GROUP}/{WIDGET.plural}/namespaces/{namespace}/{name}"
    resp = requests.get(f"{server.url}{path}/revision", params={"resourceVersion": rv}, timeout=10)
    resp.raise_for_status()
    return resp.json()["object"]


def wait_history(
    server: DashboardServer,
    namespace: str,
    name: str,
    until: Callable[[list[dict[str, Any]]], bool],
    message: str,
) -> list[dict[str, Any]]:
    wait_until(lambda: until(history(server, namespace, name)), timeout=BOUND, message=message)
    return history(server, namespace, name)


def types(items: list[dict[str, Any]]) -> list[str]:
    """Revision types, oldest first."""
    return [item["type"] for item in reversed(items)]


def run_scenario(server: DashboardServer, kube: KubeHTTP, namespace: str) -> None:
    """Record three Widgets, stop the dashboard, edit one, create one, delete one, restart.

    Returns once the dashboard has recorded the whole story (or fails within BOUND).
    """
    server.start(timeout=BOUND)
    for name in ("edited", "doomed", "untouched"):
        create(kube, namespace, name)
    for name in ("edited", "doomed", "untouched"):
        wait_history(server, namespace, name, lambda items: len(items) == 1, f"{name} recorded")

    server.stop()  # the dashboard is down; the cluster keeps changing
    edit_size(kube, namespace, "edited", 7, NIGHT_EDITOR)
    create(kube, namespace, "born")
    kube.request("DELETE", WIDGET.object_path("doomed", namespace))

    server.start(timeout=BOUND)
    wait_history(server, namespace, "edited", lambda items: len(items) >= 2, "edit recorded")
    wait_history(server, namespace, "born", lambda items: len(items) >= 1, "create recorded")
    wait_history(
        server,
        namespace,
        "doomed",
        lambda items: bool(items) and items[0]["type"] == "DELETED",
        "tombstone recorded",
    )
