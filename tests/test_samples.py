"""The sample CRDs, seed data and churn work against the real local apiserver.

Why: every cluster test, the demo and the benchmarks stand on this tooling; if a CRD
schema rejects the objects, or churn quietly fails, they would measure nothing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.churn import CONTROLLER_MANAGER, USER_MANAGER, Churn, ChurnStats
from devkit.controlplane.kubehttp import TABLE, KubeHTTP
from devkit.controlplane.samples import (
    CLUSTER_POLICY,
    CRD_API,
    DATABASE,
    GROUP,
    KINDS,
    WIDGET,
    apply_crds,
    seed_objects,
)

pytestmark = pytest.mark.cluster

NAMESPACES = ("samples-a", "samples-b")


@pytest.fixture(scope="module")
def client(control_plane: ControlPlane) -> Iterator[KubeHTTP]:
    with KubeHTTP.from_kubeconfig(control_plane.kubeconfig_path("admin")) as kube:
        yield kube


@pytest.fixture(scope="module")
def crd_names(client: KubeHTTP) -> list[str]:
    names = apply_crds(client)
    seed_objects(client, namespaces=NAMESPACES, per_kind=2, rng=random.Random(7))
    return names


@pytest.fixture(scope="module")
def churn_stats(client: KubeHTTP, crd_names: list[str]) -> ChurnStats:
    """Churn until it has done what the tests below look for (a fixed 3 s did too little
    on a loaded machine), with a generous bound."""

    def enough(stats: ChurnStats) -> bool:
        ops = stats.operations
        writes = ops["create"] + ops["update_spec"] + ops["patch_status"]
        return (
            stats.total_operations >= 20
            and writes >= 10
            and ops["event"] >= 1
            # Status writes pick a random kind: wait until a Widget has had both writers.
            and {(CONTROLLER_MANAGER, "status"), (USER_MANAGER, "")} <= widget_managers(client)
        )

    with Churn(client, namespaces=NAMESPACES, rate=20, rng=random.Random(11)) as churn:
        deadline = time.monotonic() + 120
        while not enough(churn.stats()) and time.monotonic() < deadline:
            time.sleep(0.1)
    return churn.stats()


def test_all_crds_are_established(client: KubeHTTP, crd_names: list[str]) -> None:
    assert sorted(crd_names) == sorted(f"{k.plural}.{GROUP}" for k in KINDS)
    for name in crd_names:
        crd = client.request("GET", f"{CRD_API}/{name}")
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions["Established"] == "True"
        assert conditions["NamesAccepted"] == "True"


def test_apply_crds_is_idempotent(client: KubeHTTP, crd_names: list[str]) -> None:
    assert apply_crds(client) == crd_names


def test_widget_is_served_in_both_versions(client: KubeHTTP, crd_names: list[str]) -> None:
    group = client.request("GET", f"/apis/{GROUP}")
    assert {v["version"] for v in group["versions"]} == {"v1", "v1alpha1"}
    assert group["preferredVersion"]["version"] == "v1"
    old = client.request("GET", WIDGET.collection_path(NAMESPACES[0], version="v1alpha1"))
    new = client.request("GET", WIDGET.collection_path(NAMESPACES[0]))
    assert old["items"]
    assert {i["apiVersion"] for i in old["items"]} == {f"{GROUP}/v1alpha1"}
    assert {i["metadata"]["uid"] for i in old["items"]} == {
        i["metadata"]["uid"] for i in new["items"]
    }


def test_seeded_objects_have_labels_and_status(client: KubeHTTP, crd_names: list[str]) -> None:
    for kind in (WIDGET, DATABASE):
        for namespace in NAMESPACES:
            items = client.request("GET", kind.collection_path(namespace))["items"]
            assert len(items) >= 2
            for item in items:
                assert {"app", "team", "env"} <= item["metadata"]["labels"].keys()
                types = {c["type"] for c in item["status"]["conditions"]}
                assert types == {"Ready", "Reconciling", "Stalled"}
    policies = client.request("GET", CLUSTER_POLICY.collection_path())["items"]
    assert len(policies) >= 2
    assert all("namespace" not in p["metadata"] for p in policies)


def test_printer_columns_read_the_ready_condition(client: KubeHTTP, crd_names: list[str]) -> None:
    table = client.request("GET", WIDGET.collection_path(NAMESPACES[0]), accept=TABLE)
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names[0] == "Name"
    assert {"Size", "Color", "Ready", "Age"} <= set(names)
    ready = names.index("Ready")
    assert {row["cells"][ready] for row in table["rows"]} <= {"True", "False"}


def test_churn_runs_without_unexpected_errors(churn_stats: ChurnStats) -> None:
    assert churn_stats.unexpected == []
    assert churn_stats.total_operations >= 20
    ops = churn_stats.operations
    assert ops["create"] + ops["update_spec"] + ops["patch_status"] >= 10
    assert ops["event"] >= 1


def test_churn_records_events(client: KubeHTTP, churn_stats: ChurnStats) -> None:
    events = [
        e
        for ns in (*NAMESPACES, "default")
        for e in client.request("GET", f"/api/v1/namespaces/{ns}/events")["items"]
    ]
    ours = [e for e in events if e["source"].get("component") == "churn"]
    assert ours
    involved = ours[0]["involvedObject"]
    assert {"apiVersion", "kind", "name", "uid"} <= involved.keys()
    assert {e["type"] for e in ours} <= {"Normal", "Warning"}


def widget_managers(client: KubeHTTP) -> set[tuple[str, str]]:
    """Every (field manager, subresource) found on the sample Widgets."""
    managers: set[tuple[str, str]] = set()
    for namespace in NAMESPACES:
        for item in client.request("GET", WIDGET.collection_path(namespace))["items"]:
            managers |= {
                (m["manager"], m.get("subresource", "")) for m in item["metadata"]["managedFields"]
            }
    return managers


def test_churn_uses_distinct_field_managers(client: KubeHTTP, churn_stats: ChurnStats) -> None:
    managers = widget_managers(client)
    assert (CONTROLLER_MANAGER, "status") in managers
    assert (USER_MANAGER, "") in managers
