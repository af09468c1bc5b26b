"""The benchmark's custom resources: one namespaced CRD and realistic 2-4 KB objects.

Why this shape: an informer's cost per object is set by what it parses and keeps, so the
objects look like a real controller's: labels and annotations, a spec with nested maps and
keyed lists, kstatus conditions written through ``/status`` by a second field manager, and
therefore ``managedFields`` with two or more entries (about half of each object's bytes,
which is exactly what the engine strips). Objects are a pure function of their index, so
every contender and every rerun sees the same data.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from devkit.controlplane.kubehttp import ApiError, KubeHTTP

CRD_API = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
USER_MANAGER = "bench-user"
CONTROLLER_MANAGER = "bench-controller"
NAMESPACES = 8

_TEAMS = ("payments", "search", "identity", "storage", "checkout", "ml-platform")
_APPS = ("api", "worker", "gateway", "indexer", "scheduler", "ingest", "notifier", "reports")
_ENVS = ("dev", "staging", "prod")
_TIERS = ("frontend", "backend", "batch")
_WORDS = (
    "serves",
    "traffic",
    "for",
    "the",
    "internal",
    "customer",
    "facing",
    "pipeline",
    "and",
    "reports",
    "metrics",
    "to",
    "platform",
    "team",
    "dashboards",
)


@dataclass(frozen=True)
class BenchKind:
    """The benchmark CRD's identity; tests pass their own group so runs never collide."""

    group: str = "bench.crscope.dev"
    version: str = "v1"
    kind: str = "BenchApp"
    plural: str = "benchapps"

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{self.group}"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}"
        if namespace is None:
            return f"{base}/{self.plural}"
        return f"{base}/namespaces/{namespace}/{self.plural}" + (f"/{name}" if name else "")


def namespace_of(index: int) -> str:
    return f"bench-{index % NAMESPACES}"


def name_of(index: int) -> str:
    return f"app-{index:06d}"


def _keyed_list(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": [key],
        "items": {"type": "object", "required": [key], **item},
    }


def _schema() -> dict[str, Any]:
    loose = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    string, integer = {"type": "string"}, {"type": "integer"}
    spec = {
        "type": "object",
        "properties": {
            "replicas": integer,
            "image": string,
            "tier": string,
            "resources": loose,
            "env": _keyed_list("name", {"properties": {"name": string, "value": string}}),
            "ports": _keyed_list(
                "name",
                {"properties": {"name": string, "containerPort": integer, "protocol": string}},
            ),
            "rollout": loose,
            "dependencies": {"type": "array", "items": loose},
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": string},
        },
    }
    condition = {
        "properties": {
            "type": string,
            "status": string,
            "reason": string,
            "message": string,
            "lastTransitionTime": {"type": "string", "format": "date-time"},
            "observedGeneration": integer,
        }
    }
    status = {
        "type": "object",
        "properties": {
            "observedGeneration": integer,
            "phase": string,
            "replicas": integer,
            "readyReplicas": integer,
            "endpoint": string,
            "conditions": _keyed_list("type", condition),
        },
    }
    return {"type": "object", "properties": {"spec": spec, "status": status}}


def crd_manifest(kind: BenchKind) -> dict[str, Any]:
    """Namespaced, with a status subresource and printer columns, like most real CRDs."""
    columns = [
        {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
        {"name": "Tier", "type": "string", "jsonPath": ".spec.tier"},
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
        {
            "name": "Ready",
            "type": "string",
            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
        },
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": kind.crd_name},
        "spec": {
            "group": kind.group,
            "scope": "Namespaced",
            "names": {
                "kind": kind.kind,
                "plural": kind.plural,
                "singular": kind.kind.lower(),
                "listKind": f"{kind.kind}List",
            },
            "versions": [
                {
                    "name": kind.version,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": _schema()},
                    "additionalPrinterColumns": columns,
                }
            ],
        },
    }


def ensure_crd(kube: KubeHTTP, kind: BenchKind, *, timeout: float = 30.0) -> None:
    """Create the CRD and namespaces (idempotent) and wait until the collection answers."""
    _create(kube, CRD_API, crd_manifest(kind))
    for i in range(NAMESPACES):
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace_of(i)}}
        _create(kube, "/api/v1/namespaces", body)
    deadline = time.monotonic() + timeout
    while True:
        try:
            kube.request("GET", kind.path(), query={"limit": "1"})
            return
        except ApiError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _create(kube: KubeHTTP, path: str, body: dict[str, Any]) -> None:
    try:
        kube.request("POST", path, body=body)
    except ApiError as err:
        if err.status != 409:
            raise


def make_object(kind: BenchKind, index: int) -> dict[str, Any]:
    """Object ``index`` without status: the create a user (``bench-user``) sends."""
    rng = random.Random(index)
    team, app, env, tier = (rng.choice(x) for x in (_TEAMS, _APPS, _ENVS, _TIERS))
    description = " ".join(rng.choice(_WORDS) for _ in range(8))
    return {
        "apiVersion": kind.api_version,
        "kind": kind.kind,
        "metadata": {
            "name": name_of(index),
            "namespace": namespace_of(index),
            "labels": {
                "app.kubernetes.io/name": app,
                "app.kubernetes.io/part-of": f"{team}-platform",
                "team": team,
                "env": env,
                "tier": tier,
            },
            "annotations": {
                "crscope.dev/owner": f"{team}-oncall@example.com",
                "crscope.dev/description": description,
                "deploy.example.com/revision": str(rng.randint(1, 500)),
            },
        },
        "spec": _spec(rng, team=team, app=app, tier=tier),
    }


def _spec(rng: random.Random, *, team: str, app: str, tier: str) -> dict[str, Any]:
    return {
        "replicas": rng.randint(1, 10),
        "image": f"registry.example.com/{team}/{app}:v1.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        "tier": tier,
        "resources": {
            "requests": {"cpu": f"{rng.choice((100, 250, 500))}m", "memory": "256Mi"},
            "limits": {"cpu": str(rng.choice((1, 2))), "memory": f"{rng.choice((1, 2, 4))}Gi"},
        },
        "env": [
            {"name": f"FEATURE_{n}", "value": rng.choice(("on", "off", "canary"))}
            for n in ("CACHE", "TRACING", "RETRIES", "BATCHING")[: rng.randint(2, 4)]
        ],
        "ports": [
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
        ],
        "rollout": {
            "strategy": rng.choice(("Canary", "BlueGreen", "Rolling")),
            "steps": [{"setWeight": w, "pause": {"duration": "60s"}} for w in (10, 30, 60)],
        },
        "dependencies": [
            {"name": f"{team}-db", "kind": "Database", "optional": False},
            {"name": f"{team}-cache", "kind": "Cache", "optional": True},
        ],
        "tags": sorted({rng.choice(("critical", "pci", "beta", "gpu", "edge")) for _ in "xyz"}),
    }


def make_status(index: int, *, generation: int = 1) -> dict[str, Any]:
    """What the controller (``bench-controller``) reports; about one in ten is not ready."""
    rng = random.Random(-index - 1)
    replicas = rng.randint(1, 10)
    ready = rng.random() > 0.1
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - rng.randint(60, 86400)))

    def condition(kind: str, status: bool, reason: str, message: str) -> dict[str, Any]:
        return {
            "type": kind,
            "status": "True" if status else "False",
            "reason": reason,
            "message": message,
            "lastTransitionTime": stamp,
            "observedGeneration": generation,
        }

    return {
        "observedGeneration": generation,
        "phase": "Running" if ready else "Degraded",
        "replicas": replicas,
        "readyReplicas": replicas if ready else max(0, replicas - 2),
        "endpoint": f"http://{name_of(index)}.{namespace_of(index)}.svc:8080",
        "conditions": [
            condition(
                "Ready",
                ready,
                "Reconciled" if ready else "ReplicasUnavailable",
                "All replicas are available" if ready else "2 replicas are not ready",
            ),
            condition("Reconciling", False, "Idle", "Nothing to do"),
            condition("Available", ready, "MinimumReplicasAvailable", "Deployment is available"),
        ],
    }
