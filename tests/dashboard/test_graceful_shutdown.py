"""SIGTERM during churn: every revision the apiserver made is recorded, sockets are told why.

Why: Kubernetes stops a pod with SIGTERM on every rollout, scale-down and node drain, while
the cluster keeps changing. What the server has seen but not yet written (the history
writer batches; the notification intake queues) must reach the database before it exits,
and open pages must hear "service restart" (1012), which tells them to reconnect, rather
than a dropped connection.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP, WIDGET
from devkit.dashboard_server import DashboardServer
from tests.dashboard.history.restart import BOUND, create, edit_size, restartable_dashboard
from tests.informers.kit import wait_until
from tests.security.livesocket import open_socket, read_until_closed

pytestmark = [pytest.mark.cluster]
WIDGETS = [f"churned-{i}" for i in range(4)]
LIVE = "/ws/live/?view=list&kind=demo.crscope.dev/widgets"
#: Every edit of the churn is an occurrence for the notification outbox.
RULES = """
rules:
  - name: size-changed
    match: {kinds: [demo.crscope.dev/widgets]}
    trigger: {path: spec.size}
    destinations: [in-app]
"""


class Churn:
    """Edits Widgets round-robin as fast as the apiserver answers, keeping every
    resourceVersion it gets back; ``stop_then`` stops it between two writes."""

    def __init__(self, kube: KubeHTTP, namespace: str) -> None:
        self.kube, self.namespace = kube, namespace
        self.seen: dict[str, set[str]] = {name: set() for name in WIDGETS}
        self.count = 0
        self.last = ("", "")
        self._between = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        for name in WIDGETS:
            self.seen[name].add(
                create(self.kube, self.namespace, name)["metadata"]["resourceVersion"]
            )
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._between:
                if self._stop.is_set():
                    return
                name = WIDGETS[self.count % len(WIDGETS)]
                size = 2 + self.count % 97  # 2..98 (the CRD allows 0..100); a new value
                rv = edit_size(self.kube, self.namespace, name, size, "churner")
                self.seen[name].add(rv)
                self.last = (name, rv)
                self.count += 1

    def stop_then(self, action: Callable[[], None]) -> None:
        """Stop between two writes and run ``action`` before another could start."""
        with self._between:
            self._stop.set()
            action()
        self._thread.join(30)


def cached_rv(server: DashboardServer, namespace: str, name: str) -> str:
    """The resourceVersion of the server's cached copy (its ETag): what its watch has seen."""
    path = f"/api/v1/resources/{GROUP}/{WIDGET.plural}/namespaces/{namespace}/{name}"
    response = requests.get(server.url + path, timeout=10)
    return response.headers.get("ETag", "").strip('"').removesuffix("-stuck")


def occurrences(server: DashboardServer, namespace: str) -> int:
    """How many notification occurrences the outbox holds for the churned Widgets."""
    with sqlite3.connect(server.workdir / "db.sqlite3") as db:
        row = db.execute(
            "SELECT count(*) FROM notify_occurrence WHERE namespace = ?", (namespace,)
        ).fetchone()
    return int(row[0])


def recorded(server: DashboardServer, namespace: str) -> dict[str, set[str]]:
    """The stored revisions (resourceVersions) of each churned Widget, from the database."""
    with sqlite3.connect(server.workdir / "db.sqlite3") as db:
        rows = db.execute(
            "SELECT name, resource_version FROM history_revision WHERE namespace = ?",
            (namespace,),
        ).fetchall()
    found: dict[str, set[str]] = {name: set() for name in WIDGETS}
    for name, rv in rows:
        found.setdefault(name, set()).add(rv)
    return found


@pytest.fixture
def server(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path: Path, namespace: str
) -> Iterator[DashboardServer]:
    srv = restartable_dashboard(control_plane, tmp_path / "dashboard", namespace)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    srv.extra_env["CRSCOPE_NOTIFY_RULES"] = str(rules)
    srv.start(timeout=BOUND)
    yield srv
    srv.stop()


def test_sigterm_during_churn_loses_no_revision(
    server: DashboardServer, kube: KubeHTTP, namespace: str
) -> None:
    churn = Churn(kube, namespace)
    churn.start()
    socket = open_socket(server.url, path=f"{LIVE}&namespace={namespace}")
    wait_until(lambda: churn.count >= 60, timeout=BOUND, message="60 edits made")
    proc = server._proc
    assert proc is not None

    def sigterm() -> None:
        # Only once its watch delivered the last write: a change still on its way from
        # the apiserver when the process stops is not lost either, but comes back on
        # restart merged into the object's state, not as a revision of its own.
        name, rv = churn.last
        wait_until(lambda: cached_rv(server, namespace, name) == rv, timeout=BOUND)
        os.kill(proc.pid, signal.SIGTERM)

    churn.stop_then(sigterm)

    _, closed = read_until_closed(socket, timeout=BOUND)
    assert closed.code == 1012  # "service restart": the page reconnects
    assert proc.wait(BOUND) == 0
    log = server.log_text()
    assert "Traceback" not in log

    made = churn.seen
    kept = recorded(server, namespace)
    lost = {name: sorted(made[name] - kept[name]) for name in WIDGETS if made[name] - kept[name]}
    assert lost == {}, f"{sum(map(len, lost.values()))} of {churn.count} revisions lost: {lost}"
    assert occurrences(server, namespace) == churn.count  # one per edit, none lost

    # Restarted, it records the next edit and nothing twice.
    server._proc = None
    server.start(timeout=BOUND)
    after = edit_size(kube, namespace, WIDGETS[0], 1, "after-restart")
    wait_until(
        lambda: after in recorded(server, namespace)[WIDGETS[0]],
        timeout=BOUND,
        message="the edit after the restart recorded",
    )
    now = recorded(server, namespace)
    assert {name: now[name] - kept[name] for name in WIDGETS if now[name] - kept[name]} == {
        WIDGETS[0]: {after}
    }
