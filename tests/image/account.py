"""The Deployment's identity in the test cluster: its ServiceAccount, ClusterRole and
binding from the manifests, and the files kubelet would mount for it.

Why from the manifests: the point is to prove that the RBAC users apply is what the pod
needs, so the rules are the shipped ones (or the shipped ones minus one, for the least
privilege test), only renamed so that tests running at once do not share a ClusterRole.
The token is minted with the TokenRequest API, as kubelet does for a projected
service-account token, and written with ``ca.crt`` and ``namespace`` in the layout of
/var/run/secrets/kubernetes.io/serviceaccount.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.controlplane.kubehttp import ApiError, KubeHTTP

Obj = dict[str, Any]
RBAC = "/apis/rbac.authorization.k8s.io/v1"
TOKEN_SECONDS = 3600


@dataclass(frozen=True)
class Account:
    namespace: str
    service_account: str
    cluster_role: str
    token: str
    #: The directory to mount at /var/run/secrets/kubernetes.io/serviceaccount.
    files: Path


def _one(objects: list[Obj], kind: str) -> Obj:
    hits = [o for o in objects if o["kind"] == kind]
    assert len(hits) == 1, f"expected one {kind} in the manifests, found {len(hits)}"
    return hits[0]


def bound_role(objects: list[Obj], deployment: Obj) -> Obj:
    """The ClusterRole bound to the Deployment's ServiceAccount by the manifests."""
    account = deployment["spec"]["template"]["spec"].get("serviceAccountName", "default")
    for binding in (o for o in objects if o["kind"] == "ClusterRoleBinding"):
        if any(s["kind"] == "ServiceAccount" and s["name"] == account for s in binding["subjects"]):
            name = binding["roleRef"]["name"]
            return next(
                o for o in objects if o["kind"] == "ClusterRole" and o["metadata"]["name"] == name
            )
    raise AssertionError(f"no ClusterRoleBinding binds ServiceAccount {account}")


@contextlib.contextmanager
def deployment_account(
    kube: KubeHTTP,
    *,
    objects: list[Obj],
    deployment: Obj,
    ca_file: Path,
    workdir: Path,
    rules: list[Obj] | None = None,
) -> Iterator[Account]:
    """Create the Deployment's ServiceAccount in a fresh namespace, bind the manifests'
    ClusterRole (or ``rules`` instead of its rules) to it, and mint its token."""
    suffix = uuid.uuid4().hex[:8]
    namespace = f"pod-{suffix}"
    account_name = deployment["spec"]["template"]["spec"].get("serviceAccountName", "default")
    role = copy.deepcopy(bound_role(objects, deployment))
    role_name = f"{role['metadata']['name']}-{suffix}"
    role["metadata"] = {"name": role_name, "labels": role["metadata"].get("labels", {})}
    if rules is not None:
        role["rules"] = rules
    kube.request(
        "POST",
        "/api/v1/namespaces",
        body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
    )
    kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        body={"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": account_name}},
    )
    kube.request("POST", f"{RBAC}/clusterroles", body=role)
    kube.request(
        "POST",
        f"{RBAC}/clusterrolebindings",
        body={
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": role_name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role_name,
            },
            "subjects": [{"kind": "ServiceAccount", "name": account_name, "namespace": namespace}],
        },
    )
    try:
        token = mint_token(kube, namespace, account_name)
        files = workdir / f"serviceaccount-{suffix}"
        files.mkdir(parents=True)
        (files / "token").write_text(token)
        (files / "ca.crt").write_bytes(ca_file.read_bytes())
        (files / "namespace").write_text(namespace)
        for path in files.iterdir():
            path.chmod(0o644)  # kubelet's default mode for the projected files
        files.chmod(0o755)
        yield Account(namespace, account_name, role_name, token, files)
    finally:
        for url in (
            f"{RBAC}/clusterrolebindings/{role_name}",
            f"{RBAC}/clusterroles/{role_name}",
            f"/api/v1/namespaces/{namespace}",
        ):
            with contextlib.suppress(ApiError):
                kube.request("DELETE", url)


def mint_token(kube: KubeHTTP, namespace: str, name: str) -> str:
    """A bound service-account token from the TokenRequest API (what kubelet projects)."""
    answer = kube.request(
        "POST",
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        body={
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"audiences": [], "expirationSeconds": TOKEN_SECONDS},
        },
    )
    return str(answer["status"]["token"])
