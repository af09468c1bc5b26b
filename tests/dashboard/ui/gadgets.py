"""A Gadget kind in a CRD group of its own, and an engine wired as the ASGI start-up wires
it, for UI tests that must not share the session's kinds (hostile printer columns, rules
files that change states).

Why one helper: three test modules wrote the same CRD, wait and engine wiring by hand.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine, EngineSettings, KindInfo, PrinterColumn
from tests.dashboard.ui.inprocess import installed_engine
from tests.informers.kit import wait_until

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def gadget_kind(*columns: PrinterColumn) -> KindInfo:
    """The Gadget kind as the engine describes it, with ``columns``: for tests that render
    rows and need no cluster."""
    return KindInfo(
        group="t.crscope.test",
        version="v1",
        kind="Gadget",
        plural="gadgets",
        namespaced=True,
        columns=columns,
    )


def gadget_crd(group: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"gadgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "kind": "Gadget",
                "plural": "gadgets",
                "singular": "gadget",
                "listKind": "GadgetList",
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "additionalPrinterColumns": [
                        {"name": "Note", "type": "string", "jsonPath": ".spec.note"},
                        {"name": "Owner", "type": "string", "jsonPath": ".status.owner"},
                    ],
                }
            ],
        },
    }


def served(kube: KubeHTTP, group: str) -> bool:
    try:
        kube.request("GET", f"/apis/{group}/v1/gadgets")
        return True
    except Exception:
        return False


@contextlib.contextmanager
def gadget_engine(
    control_plane: ControlPlane, kube: KubeHTTP, **settings: Any
) -> Iterator[tuple[Engine, str]]:
    """A fresh group's Gadget CRD and an engine watching only it (``settings`` are extra
    ``EngineSettings``), installed as the dashboard's engine; all removed afterwards."""
    group = f"t{uuid.uuid4().hex[:8]}.crscope.test"
    kube.request("POST", CRDS, body=gadget_crd(group))
    wait_until(lambda: served(kube, group), timeout=30, message="CRD served")
    try:
        with installed_engine(
            control_plane,
            EngineSettings(include_groups=(group,), events="off", **settings),
            ready=lambda engine: engine.readiness().ready and engine.informer(f"{group}/gadgets"),
        ) as engine:
            yield engine, group
    finally:
        kube.request("DELETE", f"{CRDS}/gadgets.{group}")
