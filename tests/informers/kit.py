"""Small building blocks for informer tests: throwaway CRDs, fresh LISTs, bounded waits."""

from __future__ import annotations

import inspect
import time
from dataclasses import replace
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from informers import (
    ClusterConfig,
    Engine,
    EngineSettings,
    Informer,
    KubeClient,
    load_cluster_config,
)
from tests.waiting import wait_until as wait_until  # many tests import it from here


def make_crd(
    kube: KubeHTTP,
    *,
    group: str,
    kind: str,
    plural: str,
    namespaced: bool = True,
    schema: dict[str, Any] | None = None,
) -> str:
    """Create a CRD with a status subresource and wait until its collection answers."""
    name = f"{plural}.{group}"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "spec": {
            "group": group,
            "scope": "Namespaced" if namespaced else "Cluster",
            "names": {
                "kind": kind,
                "plural": plural,
                "singular": plural.rstrip("s"),
                "listKind": f"{kind}List",
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": schema
                        or {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                    },
                    "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"}
                    ],
                }
            ],
        },
    }
    kube.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body=crd)
    path = f"/apis/{group}/v1/{plural}"
    deadline = time.monotonic() + 30
    while True:
        try:
            kube.request("GET", path)
            return name
        except ApiError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def delete_crd(kube: KubeHTTP, name: str) -> None:
    kube.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")


def obj(
    *,
    group: str,
    kind: str,
    name: str,
    namespace: str | None = None,
    spec: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": f"{group}/v1", "kind": kind, "metadata": meta, "spec": spec or {}}


def live_identities(kube: KubeHTTP, path: str) -> set[tuple[str | None, str, str, str]]:
    """(namespace, name, uid, resourceVersion) of every object, from a fresh LIST."""
    items = kube.request("GET", path)["items"]
    return {
        (
            o["metadata"].get("namespace"),
            o["metadata"]["name"],
            o["metadata"]["uid"],
            o["metadata"]["resourceVersion"],
        )
        for o in items
    }


def cached_identities(engine: Engine, key: str) -> set[tuple[str | None, str, str, str]]:
    informer = engine.informer(key)
    if informer is None:
        return set()
    return {(e.namespace, e.name, e.uid, e.resource_version) for e in informer.store.list()}


def cluster_config(cp: ControlPlane, *, port: int | None = None) -> ClusterConfig:
    config = load_cluster_config(str(cp.kubeconfig_path("admin")))
    return replace(config, host=f"https://127.0.0.1:{port}") if port else config


def start_engine(
    cp: ControlPlane, *, port: int | None = None, settings: EngineSettings | None = None
) -> Engine:
    engine = Engine(KubeClient(cluster_config(cp, port=port)), settings or EngineSettings())
    engine.start()
    return engine


def pretend_syncing(monkeypatch: pytest.MonkeyPatch, engine: Engine, kind_key: str) -> Informer:
    """Make one of ``engine``'s informers read as not synced (its cache stays as it is),
    for the pages' "still syncing" answers; undone with the test's monkeypatch."""
    informer = engine.informer(kind_key)
    assert informer is not None, kind_key
    cls = type(informer)
    real = inspect.getattr_static(cls, "synced")  # the property object, not its value
    monkeypatch.setattr(
        cls, "synced", property(lambda self: self is not informer and real.fget(self))
    )
    return informer
