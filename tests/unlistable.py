"""RBAC for tests where the dashboard's own identity may not list a kind.

Why: a CRD added to a watched group before the ClusterRole grants it is a 403 for the
dashboard, and one such kind must not take the deployment out of service. The user
``bob`` has no grants in the test control plane and no other test uses him, so he stands
in for a dashboard service account with a ClusterRole that lags behind the CRDs.
"""

from __future__ import annotations

import contextlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from devkit.controlplane.kubehttp import ApiError, KubeHTTP

USER = "bob"
_RBAC = "/apis/rbac.authorization.k8s.io/v1"


def _create(kube: KubeHTTP, path: str, body: dict[str, object]) -> None:
    try:
        kube.request("POST", path, body=body)
    except ApiError as err:
        if err.status != 409:
            raise


def _bind(kube: KubeHTTP, name: str, rules: list[dict[str, object]]) -> None:
    _create(
        kube,
        f"{_RBAC}/clusterroles",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name},
            "rules": rules,
        },
    )
    _create(
        kube,
        f"{_RBAC}/clusterrolebindings",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": name,
            },
            "subjects": [{"kind": "User", "name": USER, "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )


def allow_crds(kube: KubeHTTP) -> None:
    """Let ``bob`` list and watch CRDs (discovery), nothing else."""
    _bind(
        kube,
        "crscope-test-bob-crds",
        [
            {
                "apiGroups": ["apiextensions.k8s.io"],
                "resources": ["customresourcedefinitions"],
                "verbs": ["get", "list", "watch"],
            }
        ],
    )


@dataclass
class GroupGrant:
    """Read access for ``bob`` to one API group, granted when the test says so."""

    kube: KubeHTTP
    group: str
    name: str = ""

    def grant(self) -> None:
        self.name = f"crscope-test-bob-{uuid.uuid4().hex[:8]}"
        _bind(
            self.kube,
            self.name,
            [{"apiGroups": [self.group], "resources": ["*"], "verbs": ["get", "list", "watch"]}],
        )

    def revoke(self) -> None:
        if not self.name:
            return
        for kind in ("clusterrolebindings", "clusterroles"):
            with contextlib.suppress(ApiError):
                self.kube.request("DELETE", f"{_RBAC}/{kind}/{self.name}")
        self.name = ""


def create_many(
    kubeconfig: Path, *, path: str, group: str, kind: str, names: list[str], workers: int = 4
) -> None:
    """POST one bare object per name to ``path``, a few clients at a time."""

    def create(chunk: list[str]) -> None:
        client = KubeHTTP.from_kubeconfig(kubeconfig)
        try:
            for name in chunk:
                body = {
                    "apiVersion": f"{group}/v1",
                    "kind": kind,
                    "metadata": {"name": name},
                    "spec": {"size": 1},
                }
                client.request("POST", path, body=body)
        finally:
            client.close()

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, [names[i::workers] for i in range(workers)]))
