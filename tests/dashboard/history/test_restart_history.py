"""History across a restart of the real dashboard: what changed while it was down.

An edit made while down is one MODIFIED revision, diffed against the last recorded one and
credited to the manager who made it; an object created while down is ADDED; one deleted
while down gets a single DELETED tombstone carrying its last known state; and a restart
with nothing new writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET
from devkit.dashboard_server import DashboardServer
from tests.dashboard.history.restart import (
    NIGHT_EDITOR,
    edit_size,
    history,
    restartable_dashboard,
    revision_object,
    run_scenario,
    types,
    wait_history,
)

pytestmark = [pytest.mark.cluster]


@pytest.fixture
def server(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path: Path, namespace: str
) -> Iterator[DashboardServer]:
    srv = restartable_dashboard(control_plane, tmp_path / "dashboard", namespace)
    yield srv
    srv.stop()


def test_changes_made_while_down_are_recorded_as_what_they_were(
    server: DashboardServer, kube: KubeHTTP, namespace: str
) -> None:
    run_scenario(server, kube, namespace)

    edited = history(server, namespace, "edited")
    assert types(edited) == ["ADDED", "MODIFIED"]
    assert edited[0]["managers"] == [NIGHT_EDITOR]
    assert edited[0]["changedPaths"] == ["/spec/size"]

    assert types(history(server, namespace, "born")) == ["ADDED"]
    assert types(history(server, namespace, "untouched")) == ["ADDED"]

    doomed = history(server, namespace, "doomed")
    assert types(doomed) == ["ADDED", "DELETED"]
    assert doomed[0]["tombstone"] is True
    last_state = revision_object(server, namespace, "doomed", doomed[0]["resourceVersion"])
    assert last_state["metadata"]["name"] == "doomed"
    assert last_state["spec"]["size"] == 1


def test_a_restart_with_nothing_new_writes_nothing(
    server: DashboardServer, kube: KubeHTTP, namespace: str
) -> None:
    run_scenario(server, kube, namespace)
    before = {n: history(server, namespace, n) for n in ("edited", "born", "untouched", "doomed")}

    server.stop()
    kube.request("DELETE", WIDGET.object_path("untouched", namespace))
    server.start()
    # Two facts that are written after the restart's reconciliation: the tombstone pass
    # ran (it covers the whole kind) and a change made after the restart is recorded.
    wait_history(
        server,
        namespace,
        "untouched",
        lambda items: bool(items) and items[0]["type"] == "DELETED",
        "second tombstone recorded",
    )
    rv = edit_size(kube, namespace, "born", 9, "day-shift-editor")
    wait_history(
        server,
        namespace,
        "born",
        lambda items: items[0]["resourceVersion"] == rv,
        "edit after the restart recorded",
    )

    assert history(server, namespace, "edited") == before["edited"]
    assert history(server, namespace, "doomed") == before["doomed"]  # not tombstoned twice
    born = history(server, namespace, "born")
    assert born[1:] == before["born"]
    assert born[0]["type"] == "MODIFIED"
    assert born[0]["managers"] == ["day-shift-editor"]
