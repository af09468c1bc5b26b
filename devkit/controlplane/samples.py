"""Install the sample CRDs and fill the local cluster with believable custom resources.

Why: an empty cluster shows nothing worth testing or demoing. The dashboard's hard parts
(printer columns, two served versions, cluster scope, kstatus conditions, generation vs.
observedGeneration, redaction of secret-looking fields, label filters) only show up with
objects shaped like real ones, so this module owns what a sample object looks like. It is
deterministic for a given ``random.Random`` so a failing test can be replayed.

Interface: every function takes a :class:`~devkit.controlplane.kubehttp.KubeHTTP`, built
with ``KubeHTTP.from_kubeconfig(cp.kubeconfig_path("admin"))``. ``churn.py`` reuses the
object and status builders here to change the objects over time.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devkit.controlplane.kubehttp import APPLY_PATCH, MERGE_PATCH, ApiError, KubeHTTP

GROUP = "demo.crscope.dev"
CRDS_FILE = Path(__file__).resolve().parent / "samples" / "crds.yaml"
CRD_API = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
SEED_MANAGER = "crscope-seed"

#: kstatus vocabulary: exactly one of these is True on every sample object.
OUTCOMES = ("Ready", "Reconciling", "Stalled")


@dataclass(frozen=True)
class SampleKind:
    """One sample resource type and the URLs that reach it."""

    kind: str
    plural: str
    namespaced: bool
    version: str = "v1"

    @property
    def api_version(self) -> str:
        return f"{GROUP}/{self.version}"

    def collection_path(self, namespace: str | None = None, *, version: str | None = None) -> str:
        base = f"/apis/{GROUP}/{version or self.version}"
        if self.namespaced:
            if not namespace:
                raise ValueError(f"{self.kind} is namespaced: a namespace is required")
            base += f"/namespaces/{namespace}"
        return f"{base}/{self.plural}"

    def object_path(self, name: str, namespace: str | None = None) -> str:
        return f"{self.collection_path(namespace)}/{name}"


WIDGET = SampleKind("Widget", "widgets", namespaced=True)
DATABASE = SampleKind("Database", "databases", namespaced=True)
CLUSTER_POLICY = SampleKind("ClusterPolicy", "clusterpolicies", namespaced=False)
KINDS: tuple[SampleKind, ...] = (WIDGET, DATABASE, CLUSTER_POLICY)

_APPS = ("checkout", "payments", "search", "inventory", "auth", "reports", "billing")
_TEAMS = ("team-a", "team-b", "platform", "data")
_ENVS = ("dev", "staging", "prod")
_ADJECTIVES = ("brisk", "calm", "eager", "fuzzy", "lucky", "quiet", "rapid", "shiny", "tidy")
_NOUNS = ("otter", "falcon", "maple", "comet", "harbor", "lantern", "pebble", "walrus")
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels: no accidental words


# -- object builders ----------------------------------------------------------------------
def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_name(rng: random.Random) -> str:
    suffix = "".join(rng.choice(_SUFFIX_ALPHABET) for _ in range(5))
    return f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}-{suffix}"


def sample_labels(rng: random.Random) -> dict[str, str]:
    return {
        "app": rng.choice(_APPS),
        "team": rng.choice(_TEAMS),
        "env": rng.choice(_ENVS),
        "app.kubernetes.io/managed-by": "crscope-samples",
    }


def _widget_spec(rng: random.Random) -> dict[str, Any]:
    return {
        "size": rng.randint(1, 100),
        "color": rng.choice(("red", "green", "blue", "yellow", "purple")),
        "replicas": rng.randint(0, 5),
        "image": f"registry.local/widget:1.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
        "auth": {
            "username": f"svc-{rng.choice(_APPS)}",
            "password": "".join(rng.choice(_SUFFIX_ALPHABET) for _ in range(16)),
        },
    }


_DB_VERSIONS = {
    "postgres": ("15.6", "16.3", "17.0"),
    "mysql": ("8.0.36", "8.4.0"),
    "redis": ("7.2.4", "7.4"),
}


def _database_spec(rng: random.Random) -> dict[str, Any]:
    engine = rng.choice(tuple(_DB_VERSIONS))
    return {
        "engine": engine,
        "version": rng.choice(_DB_VERSIONS[engine]),
        "storageGB": rng.choice((10, 20, 50, 100, 250)),
        "backups": {
            "enabled": rng.random() < 0.8,
            "schedule": f"{rng.randint(0, 59)} 3 * * *",
            "retentionDays": rng.choice((7, 14, 30)),
        },
    }


_POLICY_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "require-team-label",
        "description": "Every workload names its owning team.",
        "match": {"kinds": ["Widget", "Database"]},
        "validate": {
            "message": "label 'team' is required",
            "pattern": {"metadata": {"labels": {"team": "?*"}}},
        },
    },
    {
        "name": "disallow-latest-tag",
        "match": {"kinds": ["Widget"]},
        "validate": {
            "message": "images must be pinned",
            "pattern": {"spec": {"image": "!*:latest"}},
        },
    },
    {
        "name": "require-backups",
        "match": {"kinds": ["Database"], "namespaces": ["prod-*"]},
        "validate": {
            "message": "production databases need backups",
            "pattern": {"spec": {"backups": {"enabled": True}}},
        },
    },
    {
        "name": "restrict-registries",
        "match": {"kinds": ["Widget"]},
        "validate": {
            "message": "only registry.local is allowed",
            "pattern": {"spec": {"image": "registry.local/*"}},
        },
    },
)


def _policy_spec(rng: random.Random) -> dict[str, Any]:
    count = rng.randint(1, len(_POLICY_RULES))
    return {
        "enforcement": rng.choice(("Audit", "Warn", "Enforce")),
        "rules": [dict(rule) for rule in rng.sample(_POLICY_RULES, count)],
    }


_SPEC_BUILDERS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "Widget": _widget_spec,
    "Database": _database_spec,
    "ClusterPolicy": _policy_spec,
}


def sample_spec(kind: SampleKind, rng: random.Random) -> dict[str, Any]:
    return _SPEC_BUILDERS[kind.kind](rng)


def sample_object(kind: SampleKind, *, namespace: str | None, rng: random.Random) -> dict[str, Any]:
    """A new object of ``kind`` with a random name, labels and spec (no status)."""
    metadata: dict[str, Any] = {"name": random_name(rng), "labels": sample_labels(rng)}
    if kind.namespaced:
        metadata["namespace"] = namespace
    return {
        "apiVersion": kind.api_version,
        "kind": kind.kind,
        "metadata": metadata,
        "spec": sample_spec(kind, rng),
    }


# -- status builders ----------------------------------------------------------------------
_CONDITION_TEXT = {
    "Ready": ("Reconciled", "{kind} is up to date"),
    "Reconciling": ("Progressing", "Rolling out generation {generation}"),
    "Stalled": ("BackendError", "Provisioning failed: quota exceeded in zone a"),
}


def conditions_for(
    outcome: str,
    *,
    kind: str,
    observed_generation: int,
    previous: Sequence[dict[str, Any]] = (),
    now: str | None = None,
) -> list[dict[str, Any]]:
    """Ready/Reconciling/Stalled conditions where only ``outcome`` is True.

    ``lastTransitionTime`` is kept from ``previous`` when a condition's status did not
    change, as a well-behaved controller does; the dashboard relies on that for "since".
    """
    stamp = now or now_rfc3339()
    before = {c.get("type"): c for c in previous}
    reason, template = _CONDITION_TEXT[outcome]
    message = template.format(kind=kind, generation=observed_generation)
    result = []
    for ctype in OUTCOMES:
        status = "True" if ctype == outcome else "False"
        old = before.get(ctype, {})
        # Ready always explains itself; the other False conditions have nothing to say.
        explains = ctype in (outcome, "Ready")
        result.append(
            {
                "type": ctype,
                "status": status,
                "reason": reason if explains else "AsExpected",
                "message": message if explains else "",
                "observedGeneration": observed_generation,
                "lastTransitionTime": (
                    stamp if old.get("status") != status else old["lastTransitionTime"]
                ),
            }
        )
    return result


_PHASES = {"Ready": "Ready", "Reconciling": "Provisioning", "Stalled": "Failed"}


def status_for(
    kind: SampleKind,
    obj: dict[str, Any],
    *,
    outcome: str,
    observed_generation: int,
    rng: random.Random,
) -> dict[str, Any]:
    """The whole status for ``obj`` after a reconcile that ended in ``outcome``."""
    previous = (obj.get("status") or {}).get("conditions") or ()
    status: dict[str, Any] = {
        "observedGeneration": observed_generation,
        "conditions": conditions_for(
            outcome, kind=kind.kind, previous=previous, observed_generation=observed_generation
        ),
    }
    if kind is DATABASE:
        status["phase"] = _PHASES[outcome]
        meta = obj["metadata"]
        port = {"postgres": 5432, "mysql": 3306, "redis": 6379}[obj["spec"]["engine"]]
        if outcome == "Ready":
            status["endpoint"] = f"{meta['name']}.{meta['namespace']}.svc:{port}"
    elif kind is CLUSTER_POLICY:
        status["violations"] = rng.randint(0, 12)
    return status


def write_params(field_manager: str) -> dict[str, str]:
    """Query parameters for every sample write: who wrote it, and reject unknown fields
    instead of silently pruning them, so a sample that drifts from its schema fails loudly."""
    return {"fieldManager": field_manager, "fieldValidation": "Strict"}


def write_status(
    client: KubeHTTP,
    kind: SampleKind,
    obj: dict[str, Any],
    *,
    status: dict[str, Any],
    field_manager: str,
) -> dict[str, Any]:
    """Merge-patch ``status`` through the /status subresource (the only way it sticks)."""
    meta = obj["metadata"]
    path = kind.object_path(meta["name"], meta.get("namespace")) + "/status"
    return client.request(
        "PATCH",
        path,
        body={"status": status},
        content_type=MERGE_PATCH,
        query=write_params(field_manager),
    )


# -- cluster set-up -----------------------------------------------------------------------
def load_crds(path: Path = CRDS_FILE) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def apply_crds(
    client: KubeHTTP, *, timeout: float = 30.0, crds: Sequence[dict[str, Any]] | None = None
) -> list[str]:
    """Create or update the sample CRDs, or the given ones (server-side apply), and wait
    until each is served.

    Returns the CRD names. "Served" means Established and answering a list in every
    served version, since Established alone can precede the handler by a moment.
    Reads and updates are fast from then on, but the apiserver deliberately holds
    *creates* for about 2 s after a CRD is first Established (an HA-consistency guard,
    kubernetes/kubernetes#99199), so the first create can take that long. It succeeds.
    """
    crds = load_crds() if crds is None else crds
    for crd in crds:
        client.request(
            "PATCH",
            f"{CRD_API}/{crd['metadata']['name']}",
            body=crd,
            content_type=APPLY_PATCH,
            query={**write_params(SEED_MANAGER), "force": "true"},
        )
    deadline = time.monotonic() + timeout
    for crd in crds:
        _wait_served(client, crd, deadline=deadline)
    return [crd["metadata"]["name"] for crd in crds]


def _established(crd: dict[str, Any]) -> bool:
    conditions = (crd.get("status") or {}).get("conditions") or ()
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def _wait_served(client: KubeHTTP, crd: dict[str, Any], *, deadline: float) -> None:
    name = crd["metadata"]["name"]
    spec = crd["spec"]
    while not _established(client.request("GET", f"{CRD_API}/{name}")):
        _sleep_or_fail(deadline, f"CRD {name} not Established")
    for version in (v["name"] for v in spec["versions"] if v["served"]):
        path = f"/apis/{spec['group']}/{version}/{spec['names']['plural']}"
        while True:
            try:
                client.request("GET", path, query={"limit": "1"})
                break
            except ApiError as err:
                if err.status != 404:
                    raise
                _sleep_or_fail(deadline, f"{path} not served")


def _sleep_or_fail(deadline: float, what: str) -> None:
    if time.monotonic() > deadline:
        raise TimeoutError(what)
    time.sleep(0.1)


def ensure_namespace(client: KubeHTTP, name: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"crscope.dev/sample": "true"}},
    }
    try:
        client.request("POST", "/api/v1/namespaces", body=body, query=write_params(SEED_MANAGER))
    except ApiError as err:
        if err.status != 409:
            raise


def seed_objects(
    client: KubeHTTP, *, namespaces: Sequence[str], per_kind: int, rng: random.Random
) -> None:
    """Create ``per_kind`` objects of each namespaced kind in every namespace (created if
    missing) and ``per_kind`` ClusterPolicies, each with a status written via /status.

    Mostly Ready, some Reconciling or Stalled, so a fresh dashboard already has something
    to highlight. A name that already exists (same seed, same cluster) is skipped.
    """
    for namespace in namespaces:
        ensure_namespace(client, namespace)
    for kind in KINDS:
        targets: Sequence[str | None] = namespaces if kind.namespaced else (None,)
        for target in targets:
            for _ in range(per_kind):
                _seed_one(client, kind, namespace=target, rng=rng)


def _seed_one(
    client: KubeHTTP, kind: SampleKind, *, namespace: str | None, rng: random.Random
) -> None:
    try:
        created = client.request(
            "POST",
            kind.collection_path(namespace),
            body=sample_object(kind, namespace=namespace, rng=rng),
            query=write_params(SEED_MANAGER),
        )
    except ApiError as err:
        if err.status == 409:
            return
        raise
    outcome = rng.choices(OUTCOMES, weights=(6, 2, 1))[0]
    status = status_for(
        kind,
        created,
        outcome=outcome,
        rng=rng,
        observed_generation=created["metadata"]["generation"],
    )
    write_status(client, kind, created, status=status, field_manager=SEED_MANAGER)
