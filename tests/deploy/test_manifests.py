"""The kustomize manifests in deploy/: least-privilege RBAC, a hardened pod, references that
resolve, and every object accepted by a real apiserver (server-side dry run)."""

from __future__ import annotations

import base64
import copy
import uuid
from pathlib import Path
from typing import Any

import pytest

from dashboard.notify.rules import parse_rules
from tests.controlplane.kubehttp import ApiError, KubeHTTP
from tests.deploy.conftest import ROOT, VARIANTS, all_of, one
from tests.deploy.kustomize import CLUSTER_SCOPED, Obj

READ = {"get", "list", "watch"}
#: The only non-read permissions: asking the apiserver about a user's token and rights.
REVIEWS = {
    ("authentication.k8s.io", "tokenreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
}
#: Groups in the ClusterRole that are not custom-resource groups.
BUILTIN_GROUPS = {
    "apiextensions.k8s.io",
    "",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
}
DRY_RUN = {"dryRun": "All", "fieldManager": "crscope-test", "fieldValidation": "Strict"}


def pod_spec(objects: list[Obj]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "Deployment", "crscope")["spec"]["template"]["spec"]
    return spec


def container(objects: list[Obj]) -> dict[str, Any]:
    containers = pod_spec(objects)["containers"]
    assert [c["name"] for c in containers] == ["crscope"]
    return containers[0]


def grants(role: Obj, group: str, resource: str, verb: str) -> bool:
    return any(
        group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]
        for rule in role["rules"]
    )


def config(objects: list[Obj]) -> dict[str, str]:
    data: dict[str, str] = one(objects, "ConfigMap", "crscope-config")["data"]
    return data


# -- RBAC ----------------------------------------------------------------------------------
def test_cluster_role_only_reads_and_asks_for_reviews(manifests: list[Obj]) -> None:
    role = one(manifests, "ClusterRole", "crscope-reader")
    assert "aggregationRule" not in role
    creates = set()
    for rule in role["rules"]:
        assert set(rule) == {"apiGroups", "resources", "verbs"}, rule  # no URLs, no names
        verbs, groups, resources = set(rule["verbs"]), rule["apiGroups"], rule["resources"]
        assert "*" not in verbs and "*" not in groups and "*" not in resources, rule
        assert not any(r.split("/")[0] == "secrets" for r in resources), rule
        if verbs <= READ:
            continue
        assert verbs == {"create"}, f"only reviews may be created: {rule}"
        creates |= {(g, r) for g in groups for r in resources}
    assert creates == REVIEWS


def test_cluster_role_grants_what_crscope_uses(manifests: list[Obj]) -> None:
    role = one(manifests, "ClusterRole", "crscope-reader")
    for verb in READ:
        assert grants(role, "apiextensions.k8s.io", "customresourcedefinitions", verb)
        assert grants(role, "", "events", verb)
        assert grants(role, "events.k8s.io", "events", verb)
        assert grants(role, "demo.crscope.dev", "widgets", verb)
    assert grants(role, "", "namespaces", "get")  # the health gate's 404 for a typo
    for group, resource in REVIEWS:
        assert grants(role, group, resource, "create")


def test_watched_groups_match_the_granted_groups(manifests: list[Obj]) -> None:
    """The engine watches CRSCOPE_INCLUDE_GROUPS; each must be readable, and vice versa."""
    role = one(manifests, "ClusterRole", "crscope-reader")
    granted = {g for rule in role["rules"] for g in rule["apiGroups"]} - BUILTIN_GROUPS
    watched = set(config(manifests)["CRSCOPE_INCLUDE_GROUPS"].split(","))
    assert watched == granted


def test_binding_gives_the_role_to_the_service_account(manifests: list[Obj]) -> None:
    binding = one(manifests, "ClusterRoleBinding", "crscope-reader")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "crscope-reader",
    }
    account = one(manifests, "ServiceAccount")
    assert binding["subjects"] == [
        {
            "kind": "ServiceAccount",
            "name": account["metadata"]["name"],
            "namespace": account["metadata"]["namespace"],
        }
    ]
    assert pod_spec(manifests)["serviceAccountName"] == account["metadata"]["name"]
    assert pod_spec(manifests)["automountServiceAccountToken"] is True


# -- the pod -------------------------------------------------------------------------------
def test_pod_runs_as_unprivileged_user(manifests: list[Obj]) -> None:
    security = pod_spec(manifests)["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 10001
    assert security["fsGroup"] == 10001
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container(manifests)["securityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def test_only_tmp_and_data_are_writable(manifests: list[Obj]) -> None:
    all_mounts = container(manifests)["volumeMounts"]
    mounts = {m["mountPath"]: m["name"] for m in all_mounts if not m.get("readOnly")}
    assert set(mounts) == {"/tmp", "/data"}
    volumes = {v["name"]: v for v in pod_spec(manifests)["volumes"]}
    assert set(volumes) == {m["name"] for m in all_mounts}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_notification_rules_are_mounted_where_the_config_points_and_load(
    manifests: list[Obj],
) -> None:
    """The rules file path in the config is a mounted ConfigMap key, mounted as a directory
    (a subPath mount would never see an edit), and the shipped rules load without errors."""
    path = Path(config(manifests)["CRSCOPE_NOTIFY_RULES"])
    (mount,) = [m for m in container(manifests)["volumeMounts"] if m["name"] == "notify-rules"]
    assert mount["mountPath"] == str(path.parent) and mount["readOnly"] is True
    assert "subPath" not in mount
    volumes = {v["name"]: v for v in pod_spec(manifests)["volumes"]}
    source = volumes["notify-rules"]["configMap"]["name"]
    rules_text = one(manifests, "ConfigMap", source)["data"][path.name]
    loaded = parse_rules(rules_text)
    assert loaded.errors == ()
    assert [r.name for r in loaded.rules] == ["failed", "stuck", "recovered"]


def test_probes_check_health_and_readiness(manifests: list[Obj]) -> None:
    c = container(manifests)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": 8000}
    paths = {
        probe: (c[probe]["httpGet"]["path"], c[probe]["httpGet"]["port"])
        for probe in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert paths == {
        "startupProbe": ("/healthz", "http"),
        "livenessProbe": ("/healthz", "http"),
        "readinessProbe": ("/readyz", "http"),
    }
    allowed = config(manifests)["CRSCOPE_ALLOWED_HOSTS"].split(",")
    for probe in paths:
        headers = {h["name"]: h["value"] for h in c[probe]["httpGet"].get("httpHeaders", [])}
        assert headers.get("Host") in allowed, f"{probe} Host header is not an allowed host"


def test_shutdown_and_resources(manifests: list[Obj]) -> None:
    spec, c = pod_spec(manifests), container(manifests)
    assert spec["terminationGracePeriodSeconds"] == 30
    assert c["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    assert spec["enableServiceLinks"] is False  # else the crscope Service injects CRSCOPE_*
    assert c["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }


def test_settings_come_from_the_config_map_and_secret(manifests: list[Obj]) -> None:
    c = container(manifests)
    assert c["envFrom"] == [{"configMapRef": {"name": "crscope-config"}}]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"]}
    assert {name: (ref["key"], ref.get("optional", False)) for name, ref in refs.items()} == {
        "CRSCOPE_SECRET_KEY": ("secret-key", False),
        "DATABASE_URL": ("database-url", True),
        "CHANNEL_LAYER_URL": ("channel-layer-url", True),
        "CRSCOPE_METRICS_TOKEN": ("metrics-token", True),
    }
    secrets = all_of(manifests, "Secret")
    if secrets:  # overlays generate it (with a hash suffix that references must follow)
        assert {ref["name"] for ref in refs.values()} == {secrets[0]["metadata"]["name"]}


def test_config_map_keys_are_settings_the_code_reads(manifests: list[Obj]) -> None:
    files = [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "informers").rglob("*.py")]
    source = "\n".join(p.read_text() for p in files)
    env_names = [*config(manifests), *(e["name"] for e in container(manifests)["env"])]
    unread = [name for name in env_names if f'"{name}"' not in source]
    assert not unread, f"no code reads {unread}"


# -- objects refer to each other -----------------------------------------------------------
def test_service_pdb_and_ingress_reach_the_pod(manifests: list[Obj]) -> None:
    labels = one(manifests, "Deployment", "crscope")["spec"]["template"]["metadata"]["labels"]
    service = one(manifests, "Service", "crscope")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    assert service["spec"]["selector"].items() <= labels.items()
    pdb = one(manifests, "PodDisruptionBudget", "crscope")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    ingress = one(manifests, "Ingress", "crscope")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "crscope", "port": {"name": "http"}}


def test_ingress_keeps_websockets_open_over_tls(manifests: list[Obj]) -> None:
    ingress = one(manifests, "Ingress", "crscope")
    annotations = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "proxy-read-timeout"] == "3600"
    assert annotations[prefix + "proxy-send-timeout"] == "3600"
    assert annotations[prefix + "proxy-http-version"] == "1.1"
    host = ingress["spec"]["rules"][0]["host"]
    assert ingress["spec"]["tls"][0]["hosts"] == [host]
    assert host in config(manifests)["CRSCOPE_ALLOWED_HOSTS"].split(",")
    assert f"https://{host}" in config(manifests)["CRSCOPE_CSRF_TRUSTED_ORIGINS"].split(",")
    assert config(manifests)["CRSCOPE_PUBLIC_URL"] == f"https://{host}"


def test_single_replica_keeps_history_on_a_volume(rendered: dict[str, list[Obj]]) -> None:
    for variant in ("base", "overlays/example"):
        objects = rendered[variant]
        deployment = one(objects, "Deployment", "crscope")
        assert deployment["spec"]["replicas"] == 1
        assert deployment["spec"]["strategy"] == {"type": "Recreate"}  # RWO volume, 1 writer
        volumes = {v["name"]: v for v in pod_spec(objects)["volumes"]}
        assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "crscope-history"
        one(objects, "PersistentVolumeClaim", "crscope-history")
        assert one(objects, "PodDisruptionBudget")["spec"] == {
            "maxUnavailable": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "crscope"}},
        }


def test_scale_out_shares_state_through_redis_and_postgres(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = rendered["overlays/scale-out"]
    deployment = one(objects, "Deployment", "crscope")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert not all_of(objects, "PersistentVolumeClaim")
    volumes = {v["name"]: v for v in pod_spec(objects)["volumes"]}
    assert "emptyDir" in volumes["data"]
    pdb = one(objects, "PodDisruptionBudget")["spec"]
    assert pdb["minAvailable"] == 1 and "maxUnavailable" not in pdb
    data = {k: base64.b64decode(v).decode() for k, v in one(objects, "Secret")["data"].items()}
    assert data["database-url"].startswith("postgres://")
    assert data["channel-layer-url"].startswith("redis://")
    assert "secret-key" in data


def test_overlays_set_a_pushed_image_and_a_placeholder_key(
    rendered: dict[str, list[Obj]],
) -> None:
    assert container(rendered["base"])["image"] == "crscope"
    for variant in ("overlays/example", "overlays/scale-out"):
        image = container(rendered[variant])["image"]
        assert "/" in image and ":" in image.rpartition("/")[2], image
        key = base64.b64decode(one(rendered[variant], "Secret")["data"]["secret-key"]).decode()
        assert key.startswith("replace-me")  # refused by the entrypoint: see test_entrypoint


# -- against the real apiserver ------------------------------------------------------------
def in_namespace(objects: list[Obj], namespace: str) -> list[Obj]:
    """A copy of ``objects`` moved to ``namespace``, as kustomize's namespace field would."""
    moved = copy.deepcopy(objects)
    old = one(moved, "Namespace")["metadata"]["name"]
    for obj in moved:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED:
            assert obj["metadata"].get("namespace") == old, f"{obj['kind']} has no namespace"
            obj["metadata"]["namespace"] = namespace
        for subject in obj.get("subjects", []):
            if subject.get("namespace") == old:
                subject["namespace"] = namespace
    return moved


def collection_path(kube: KubeHTTP, obj: Obj) -> str:
    """The URL to POST ``obj`` to, found through discovery (which also proves the API exists)."""
    version = obj["apiVersion"]
    prefix = f"/apis/{version}" if "/" in version else f"/api/{version}"
    resources = kube.request("GET", prefix)["resources"]
    resource = next(r for r in resources if r["kind"] == obj["kind"] and "/" not in r["name"])
    if resource["namespaced"]:
        return f"{prefix}/namespaces/{obj['metadata']['namespace']}/{resource['name']}"
    return f"{prefix}/{resource['name']}"


def create_namespace(kube: KubeHTTP, namespace: Obj) -> None:
    kube.request(
        "POST", "/api/v1/namespaces", body=namespace, query={"fieldManager": "crscope-test"}
    )


@pytest.mark.cluster
@pytest.mark.parametrize("variant", VARIANTS)
def test_apiserver_accepts_every_manifest(
    kube: KubeHTTP, rendered: dict[str, list[Obj]], variant: str
) -> None:
    objects = in_namespace(rendered[variant], f"t-deploy-{uuid.uuid4().hex[:8]}")
    namespace = one(objects, "Namespace")
    create_namespace(kube, namespace)  # for real: the dry runs below need it to exist
    for obj in objects:
        if obj is namespace:
            continue
        try:
            echoed = kube.request("POST", collection_path(kube, obj), body=obj, query=DRY_RUN)
        except ApiError as exc:
            pytest.fail(f"{variant}: {obj['kind']} {obj['metadata']['name']}: {exc}")
        assert (echoed["kind"], echoed["metadata"]["name"]) == (
            obj["kind"],
            obj["metadata"]["name"],
        )


@pytest.mark.cluster
@pytest.mark.parametrize("variant", ["overlays/example", "overlays/scale-out"])
def test_pod_meets_the_restricted_pod_security_standard(
    kube: KubeHTTP, rendered: dict[str, list[Obj]], variant: str
) -> None:
    name = f"t-deploy-{uuid.uuid4().hex[:8]}"
    create_namespace(
        kube,
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
            },
        },
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "crscope", "namespace": name},
        "spec": copy.deepcopy(pod_spec(rendered[variant])),
    }
    path = f"/api/v1/namespaces/{name}/pods"
    kube.request("POST", path, body=pod, query=DRY_RUN)
    # The control: the same pod, allowed to escalate, is refused, so enforcement is on.
    pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    with pytest.raises(ApiError) as refused:
        kube.request("POST", path, body=pod, query=DRY_RUN)
    assert refused.value.status == 403
    assert "allowPrivilegeEscalation" in str(refused.value)


def test_variants_cover_every_kustomization() -> None:
    found = {
        str(p.parent.relative_to(ROOT / "deploy"))
        for p in Path(ROOT / "deploy").rglob("kustomization.yaml")
    }
    assert found == set(VARIANTS)
