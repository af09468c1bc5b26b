"""Grants for one test user to revoke: cluster-wide (ClusterRoleBinding) or in a namespace.

Why a helper: the revocation tests (watch streams, live lists) each need a user who may
list one kind until the test deletes the binding, and must leave nothing behind for the
next test that uses the same user.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from devkit.controlplane.samples import GROUP

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC = f"/apis/{RBAC_GROUP}/v1"


@contextlib.contextmanager
def cluster_grant(kube: KubeHTTP, *, user: str, plural: str) -> Iterator[str]:
    """Let ``user`` get/list/watch ``plural`` everywhere; yields the binding's path."""
    with _grant(kube, user=user, plural=plural, namespace=None) as binding:
        yield binding


@contextlib.contextmanager
def namespace_grant(kube: KubeHTTP, *, user: str, plural: str, namespace: str) -> Iterator[str]:
    """Let ``user`` get/list/watch ``plural`` in ``namespace``; yields the binding's path."""
    with _grant(kube, user=user, plural=plural, namespace=namespace) as binding:
        yield binding


@contextlib.contextmanager
def _grant(kube: KubeHTTP, *, user: str, plural: str, namespace: str | None) -> Iterator[str]:
    """A ClusterRole for ``plural``, bound cluster-wide (no namespace) or by a RoleBinding in
    ``namespace``; both are deleted on exit, so one helper cleans up either kind of grant."""
    name = f"{user}-{plural}-{uuid.uuid4().hex[:6]}"
    kube.request(
        "POST",
        f"{RBAC}/clusterroles",
        body={
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name},
            "rules": [
                {"apiGroups": [GROUP], "resources": [plural], "verbs": ["get", "list", "watch"]}
            ],
        },
    )
    meta = {"name": name}
    if namespace is None:
        collection, kind = f"{RBAC}/clusterrolebindings", "ClusterRoleBinding"
    else:
        collection = f"{RBAC}/namespaces/{namespace}/rolebindings"
        kind = "RoleBinding"
        meta["namespace"] = namespace
    kube.request(
        "POST",
        collection,
        body={
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": kind,
            "metadata": meta,
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "User", "name": user, "apiGroup": RBAC_GROUP}],
        },
    )
    binding = f"{collection}/{name}"
    try:
        yield binding
    finally:
        for path in (binding, f"{RBAC}/clusterroles/{name}"):
            with contextlib.suppress(ApiError):
                kube.request("DELETE", path)
