"""History: who changed what, and no duplicate or lost revision across a server restart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.history.models import Revision
from dashboard.history.writer import HistoryWriter
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import Engine, EngineSettings
from tests.dashboard.sharedcache import read, wait_until
from tests.informers.kit import make_crd, obj, start_engine

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]


class Server:
    """The parts of a dashboard process that matter here: an engine and its writer."""

    def __init__(self, cp: ControlPlane, group: str) -> None:
        self.cp, self.group = cp, group
        self.engine: Engine | None = None
        self.writer: HistoryWriter | None = None

    def start(self) -> None:
        self.writer = HistoryWriter()
        self.engine = start_engine(
            self.cp, settings=EngineSettings(include_groups=(self.group,), events="off")
        )
        self.writer.attach(self.engine)
        self.writer.start()

    def settle(self, key: str) -> None:
        assert self.engine is not None and self.writer is not None
        engine, writer = self.engine, self.writer
        wait_until(
            lambda: (i := engine.informer(key)) is not None and i.synced,
            timeout=10,
            message="synced",
        )
        wait_until(
            lambda: writer.depth == 0 and writer.idle.is_set(),
            timeout=10,
            message="history flushed",
        )

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()
        if self.writer is not None:
            self.writer.stop()


@pytest.fixture
def server(control_plane: ControlPlane, group: str) -> Iterator[Server]:
    srv = Server(control_plane, group)
    yield srv
    srv.stop()


def _rows(name: str) -> list[dict[str, Any]]:
    return read(  # type: ignore[no-any-return]
        lambda: list(
            Revision.objects.filter(name=name)
            .order_by("id")
            .values("uid", "resource_version", "type", "managers", "changed_paths", "tombstone")
        )
    )


def test_revisions_name_the_field_manager_and_changed_paths(
    server: Server, kube: KubeHTTP, group: str, namespace: str
) -> None:
    make_crd(kube, group=group, kind="Part", plural="parts")
    key = f"{group}/parts"
    path = f"/apis/{group}/v1/namespaces/{namespace}/parts"
    server.start()
    server.settle(key)
    kube.request(
        "POST",
        path,
        body=obj(
            group=group,
            kind="Part",
            name="p",
            namespace=namespace,
            spec={"size": 1, "nested": {"list": [1, 2]}},
        ),
        query={"fieldManager": "creator"},
    )
    kube.request(
        "PATCH",
        f"{path}/p",
        body={"spec": {"size": 2, "nested": {"list": [1, 3]}}},
        content_type=MERGE_PATCH,
        query={"fieldManager": "alice-editor"},
    )
    kube.request(
        "PATCH",
        f"{path}/p/status",
        content_type=MERGE_PATCH,
        query={"fieldManager": "op-controller"},
        body={
            "status": {
                "observedGeneration": 2,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "Done",
                        "lastTransitionTime": "2024-01-01T00:00:00Z",
                    }
                ],
            }
        },
    )
    wait_until(lambda: len(_rows("p")) >= 3, timeout=30, message="three revisions stored")
    server.settle(key)
    rows = _rows("p")
    assert [r["type"] for r in rows] == ["ADDED", "MODIFIED", "MODIFIED"]
    assert rows[0]["managers"] == ["creator"]
    assert rows[1]["managers"] == ["alice-editor"]
    assert set(rows[1]["changed_paths"]) == {"/spec/size", "/spec/nested/list/1"}
    assert rows[2]["managers"] == ["op-controller"]
    assert "/status/conditions" in rows[2]["changed_paths"] or any(
        p.startswith("/status") for p in rows[2]["changed_paths"]
    )
    assert not any(p.startswith("/metadata") for p in rows[2]["changed_paths"])


def test_restart_neither_duplicates_nor_loses_history(
    server: Server, kube: KubeHTTP, group: str, namespace: str
) -> None:
    make_crd(kube, group=group, kind="Part", plural="parts")
    key = f"{group}/parts"
    path = f"/apis/{group}/v1/namespaces/{namespace}/parts"
    server.start()
    server.settle(key)
    for name in ("keep", "edit", "gone"):
        kube.request(
            "POST",
            path,
            body=obj(group=group, kind="Part", name=name, namespace=namespace, spec={"size": 1}),
        )
    kube.request("PATCH", f"{path}/edit", body={"spec": {"size": 2}}, content_type=MERGE_PATCH)
    wait_until(
        lambda: Revision.objects.filter(kind=key).count() >= 4,
        timeout=30,
        message="four revisions stored",
    )
    server.settle(key)
    before = {name: _rows(name) for name in ("keep", "edit", "gone")}
    assert [len(v) for v in before.values()] == [1, 2, 1]

    server.stop()  # the dashboard is down; the cluster keeps changing
    kube.request("PATCH", f"{path}/edit", body={"spec": {"size": 3}}, content_type=MERGE_PATCH)
    kube.request("DELETE", f"{path}/gone")
    live_edit_rv = kube.request("GET", f"{path}/edit")["metadata"]["resourceVersion"]

    server.start()
    wait_until(
        lambda: any(r["resource_version"] == live_edit_rv for r in _rows("edit")),
        timeout=30,
        message="the edit made while down is recorded",
    )
    server.settle(key)
    assert server.writer is not None
    writer = server.writer
    wait_until(
        lambda: _rows("gone")[-1]["type"] == "DELETED",
        timeout=30,
        message="tombstone for the object deleted while down",
    )
    after = {name: _rows(name) for name in ("keep", "edit", "gone")}
    # Nothing written before the restart changed or was duplicated.
    for name, rows in before.items():
        assert after[name][: len(rows)] == rows
    assert len(after["keep"]) == 1
    assert [r["resource_version"] for r in after["edit"]][-1] == live_edit_rv
    assert len(after["edit"]) == 3
    assert after["gone"][-1]["tombstone"] is True
    total = read(Revision.objects.count)
    distinct = len(
        set(read(lambda: list(Revision.objects.values_list("uid", "resource_version", "type"))))
    )
    assert total == distinct
    assert writer.errors == 0
