"""Two replicas on Redis and PostgreSQL: each serves live data, history is written once."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import pytest
import websocket

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, ensure_namespace, sample_object
from devkit.dashboard_server import DashboardServer
from tests.browser.live import create_widget, stall_widget
from tests.informers.kit import wait_until
from tests.security.livesocket import open_socket
from tests.services import Postgres, Redis

pytestmark = [pytest.mark.cluster, pytest.mark.services]
WIDGETS = "/api/v1/resources/demo.crscope.dev/widgets"


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        body: dict[str, Any] = json.loads(resp.read())
    return body


def _rows(pg: Postgres, namespace: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(pg.url) as conn:
        return conn.execute(
            "SELECT uid, resource_version, type FROM history_revision WHERE namespace = %s",
            (namespace,),
        ).fetchall()


def test_two_replicas_share_postgres_history_and_redis(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    sample_crds: list[str],
    redis_server: Redis,
    postgres_server: Postgres,
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": postgres_server.url, "CHANNEL_LAYER_URL": redis_server.url}
    replicas = [
        DashboardServer(
            kubeconfig=control_plane.kubeconfig_path("admin"),
            workdir=tmp_path / name,
            extra_env=env,
        ).start()
        for name in ("a", "b")
    ]
    a, b = replicas
    try:
        ns = f"scale-{random.randint(0, 10**6)}"
        ensure_namespace(kube, ns)
        rng = random.Random(5)
        names = []
        for _ in range(4):
            created = kube.request(
                "POST",
                WIDGET.collection_path(ns),
                body=sample_object(WIDGET, namespace=ns, rng=rng),
            )
            names.append(created["metadata"]["name"])
        for name in names[:2]:
            for size in (7, 8):
                kube.request(
                    "PATCH",
                    f"{WIDGET.collection_path(ns)}/{name}",
                    body={"spec": {"size": size}},
                    content_type=MERGE_PATCH,
                )
        live = {
            o["metadata"]["name"]: o["metadata"]["resourceVersion"]
            for o in kube.request("GET", WIDGET.collection_path(ns))["items"]
        }

        def served(server: DashboardServer) -> bool:
            items = _get(f"{server.url}{WIDGETS}?namespace={ns}")["items"]
            return {i["name"]: i["resourceVersion"] for i in items} == live

        for server in replicas:
            wait_until(partial(served, server), timeout=10, message=f"{server.url} serves")
        expected = len(names) + 4  # four ADDED, two MODIFIED for each of two objects
        wait_until(
            lambda: len(_rows(postgres_server, ns)) >= expected,
            timeout=10,
            message="history in PostgreSQL",
        )
        rows = _rows(postgres_server, ns)
        assert len(rows) == len(set(rows)) == expected  # both replicas wrote; each row once

        # A replica goes away: the other keeps serving and recording, and a live stream on
        # the survivor sees the next change within a second.
        a.stop()
        seen, subscribed = threading.Event(), threading.Event()

        def stream() -> None:
            url = (
                f"{b.url}/api/v1/watch?resource=demo.crscope.dev/widgets&namespace={ns}"
                "&timeoutSeconds=8"
            )
            with urllib.request.urlopen(url, timeout=15) as resp:
                for line in resp:
                    event = json.loads(line)
                    if event["type"] == "BOOKMARK":
                        subscribed.set()
                    if event["type"] == "MODIFIED" and event["object"]["spec"].get("size") == 99:
                        seen.set()
                        return

        reader = threading.Thread(target=stream, daemon=True)
        reader.start()
        assert subscribed.wait(5), "no initial-events-end bookmark from the survivor"
        kube.request(
            "PATCH",
            f"{WIDGET.collection_path(ns)}/{names[3]}",
            body={"spec": {"size": 99}},
            content_type=MERGE_PATCH,
        )
        assert seen.wait(5), "the surviving replica's stream did not deliver the change"
        wait_until(
            lambda: len(_rows(postgres_server, ns)) == expected + 1,
            timeout=10,
            message="history written by the surviving replica",
        )
    finally:
        for server in replicas:
            server.stop()


def _unread(html: str) -> int | None:
    """The unread count a bell fragment shows; None when ``html`` carries no bell."""
    found = re.search(r'id="notify-bell".*?data-unread="(\d+)"', html, re.S)
    return int(found.group(1)) if found else None


def _bell_pushed(ws: websocket.WebSocket, *, above: int, timeout: float) -> int:
    """Read the live socket (acking like the browser) until a bell shows more than ``above``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Short reads: daphne's pings restart a read's timeout, so one long read of a quiet
        # socket would never end.
        ws.settimeout(min(1.0, max(0.1, deadline - time.monotonic())))
        try:
            message = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        assert isinstance(message, str), "the live socket sends text frames only"
        seq = re.search(r'data-seq="(\d+)"', message)
        if seq:
            ws.send(json.dumps({"ack": int(seq.group(1))}))
        unread = _unread(message)
        if unread is not None and unread > above:
            return unread
    raise AssertionError(f"no bell above {above} was pushed within {timeout}s")


def test_a_notification_recorded_on_one_replica_rings_the_bell_on_the_other(
    control_plane: ControlPlane,
    kube: KubeHTTP,
    sample_crds: list[str],
    redis_server: Redis,
    postgres_server: Postgres,
    tmp_path: Path,
) -> None:
    """A user on replica B sees the bell count go up without a reload, although replica A
    recorded the notification (only A knows the rule's destination, so only A can claim it)."""
    ns = f"bell-{random.randint(0, 10**6)}"
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "destinations:\n"
        "  - {name: team-inbox, type: in-app}\n"
        "rules:\n"
        "  - name: widget-failed\n"
        "    trigger: {state: Failed}\n"
        f"    match: {{kinds: [demo.crscope.dev/widgets], namespaces: [{ns}]}}\n"
        "    destinations: [team-inbox]\n"
    )
    shared = {
        "DATABASE_URL": postgres_server.url,
        "CHANNEL_LAYER_URL": redis_server.url,
        "CRSCOPE_EVENTS": "off",
    }
    a, b = (
        DashboardServer(
            kubeconfig=control_plane.kubeconfig_path("admin"),
            workdir=tmp_path / name,
            extra_env={**shared, "CRSCOPE_NOTIFY_RULES": path},
        ).start()
        for name, path in (("a", str(rules)), ("b", ""))
    )
    try:
        ensure_namespace(kube, ns)
        created = create_widget(kube, ns, "falls-over")
        # A must list the Widget before it fails: a failure seen in the start-up list is
        # not a transition and notifies nobody.
        wait_until(
            lambda: bool(_get(f"{a.url}{WIDGETS}?namespace={ns}")["items"]),
            timeout=30,
            message="replica A lists the Widget",
        )
        with urllib.request.urlopen(f"{b.url}/notifications/bell/", timeout=10) as resp:
            before = _unread(resp.read().decode())
        assert before is not None
        ws = open_socket(b.url, path="/ws/live/?view=frame")
        try:
            ws.recv()  # the first frame: B's consumer has joined its groups
            stall_widget(kube, created)
            assert _bell_pushed(ws, above=before, timeout=30) == before + 1
        finally:
            ws.close()
    finally:
        a.stop()
        b.stop()
