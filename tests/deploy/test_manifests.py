"""What the Helm chart renders, for its defaults and every example values file:
least-privilege RBAC, a hardened pod, references that resolve, and every object accepted by
a real apiserver (server-side dry run)."""

from __future__ import annotations

import copy
import tomllib
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboard.notify.rules import parse_rules
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from informers.healthrules import parse_rules as parse_health_rules
from tests.deploy.helm import CHART, Obj, template
from tests.deploy.rendered import ROOT, VARIANTS, all_of, one, values_of

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
    "authentication.k8s.io",
    "authorization.k8s.io",
}
DRY_RUN = {"dryRun": "All", "fieldManager": "crscope-test", "fieldValidation": "Strict"}
#: Objects that live outside any namespace.
CLUSTER_SCOPED = {"ClusterRole", "ClusterRoleBinding", "Namespace"}


def values(variant: str) -> dict[str, Any]:
    """The chart's values for ``variant``: the defaults with the example file over them."""
    merged: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    for path in values_of(variant):
        merged = _merge(merged, yaml.safe_load(path.read_text()))
    return merged


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = _merge(base[key], value) if both else value
    return out


def pod_spec(objects: list[Obj]) -> dict[str, Any]:
    spec: dict[str, Any] = one(objects, "Deployment", "crscope")["spec"]["template"]["spec"]
    return spec


def container(objects: list[Obj]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = pod_spec(objects)["containers"]
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


def volumes(objects: list[Obj]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in pod_spec(objects)["volumes"]}


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


@pytest.mark.parametrize("variant", VARIANTS)
def test_cluster_role_grants_what_crscope_uses(
    rendered: dict[str, list[Obj]], variant: str
) -> None:
    role = one(rendered[variant], "ClusterRole", "crscope-reader")
    for verb in READ:
        assert grants(role, "apiextensions.k8s.io", "customresourcedefinitions", verb)
        assert grants(role, "", "events", verb)
        for entry in values(variant)["rbac"]["groups"]:
            for resource in entry["resources"]:
                assert grants(role, entry["group"], resource, verb)
    assert grants(role, "", "namespaces", "get")  # the health gate's 404 for a typo
    for group, resource in REVIEWS:
        assert grants(role, group, resource, "create")


def test_default_grants_the_demo_group(rendered: dict[str, list[Obj]]) -> None:
    role = one(rendered["default"], "ClusterRole", "crscope-reader")
    assert grants(role, "demo.crscope.dev", "widgets", "watch")


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
        {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": "crscope"}
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
    assert set(volumes(manifests)) == {m["name"] for m in all_mounts}
    assert "emptyDir" in volumes(manifests)[mounts["/tmp"]]


def mounted_rules(objects: list[Obj], setting: str, volume: str) -> tuple[str, str]:
    """(ConfigMap name, file name) behind the rules path ``setting`` names, checking that
    the ConfigMap is mounted there as a directory: a subPath mount never sees an edit."""
    path = Path(config(objects)[setting])
    (mount,) = [m for m in container(objects)["volumeMounts"] if m["name"] == volume]
    assert mount["mountPath"] == str(path.parent) and mount["readOnly"] is True
    assert "subPath" not in mount
    return volumes(objects)[volume]["configMap"]["name"], path.name


@pytest.mark.parametrize("variant", VARIANTS)
def test_notification_rules_are_mounted_where_the_config_points_and_load(
    rendered: dict[str, list[Obj]], variant: str
) -> None:
    objects = rendered[variant]
    source, name = mounted_rules(objects, "CRSCOPE_NOTIFY_RULES", "notify-rules")
    existing = values(variant)["notifyRules"]["existingConfigMap"]
    if existing:  # the user's own ConfigMap: the chart must not make one of that name
        assert source == existing and not [o for o in objects if o["metadata"]["name"] == source]
        return
    loaded = parse_rules(one(objects, "ConfigMap", source)["data"][name])
    assert loaded.errors == ()
    assert [r.name for r in loaded.rules] == ["failed", "stuck", "recovered"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_health_rules_are_mounted_where_the_config_points_and_load(
    rendered: dict[str, list[Obj]], variant: str
) -> None:
    objects = rendered[variant]
    if not values(variant)["healthRules"]["enabled"]:
        assert "CRSCOPE_HEALTH_RULES" not in config(objects)
        assert "health-rules" not in volumes(objects)
        return
    source, name = mounted_rules(objects, "CRSCOPE_HEALTH_RULES", "health-rules")
    rules = parse_health_rules(one(objects, "ConfigMap", source)["data"][name], source=name)
    assert rules.rules, "the example's health rules are empty"


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


@pytest.mark.parametrize("variant", VARIANTS)
def test_settings_come_from_the_config_map_and_secrets(
    rendered: dict[str, list[Obj]], variant: str
) -> None:
    objects, chosen = rendered[variant], values(variant)
    c = container(objects)
    assert c["envFrom"] == [{"configMapRef": {"name": "crscope-config"}}]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"] if "valueFrom" in e}
    key = refs.pop("CRSCOPE_SECRET_KEY")
    if chosen["secretKey"]["existingSecret"]:
        assert key == {"name": chosen["secretKey"]["existingSecret"], "key": "secret-key"}
        assert not all_of(objects, "Secret")
    else:  # made by the chart, with a random key
        made = one(objects, "Secret", key["name"])
        assert len(made["data"][key["key"]]) >= 60
    expected = {}
    for setting, value in (
        ("DATABASE_URL", chosen["database"]["postgres"]),
        ("CHANNEL_LAYER_URL", chosen["redis"]),
        ("CRSCOPE_METRICS_TOKEN", chosen["metrics"]),
    ):
        if value["existingSecret"]:
            expected[setting] = {"name": value["existingSecret"], "key": value["key"]}
    assert refs == expected
    assert all("optional" not in ref for ref in refs.values())  # a missing key is an error


def test_config_map_keys_are_settings_the_code_reads(manifests: list[Obj]) -> None:
    files = [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "informers").rglob("*.py")]
    source = "\n".join(p.read_text() for p in files)
    env_names = [*config(manifests), *(e["name"] for e in container(manifests)["env"])]
    unread = [name for name in env_names if f'"{name}"' not in source]
    assert not unread, f"no code reads {unread}"


def test_image_defaults_to_the_release_being_packaged(rendered: dict[str, list[Obj]]) -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert chart["appVersion"] == project["version"]
    image = container(rendered["default"])["image"]
    assert image == f"registry.example.com/crscope:{project['version']}"


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
    for ingress in all_of(manifests, "Ingress"):
        backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "crscope", "port": {"name": "http"}}


def test_ingress_keeps_websockets_open_over_tls(manifests: list[Obj]) -> None:
    host = config(manifests)["CRSCOPE_PUBLIC_URL"].removeprefix("https://")
    assert host in config(manifests)["CRSCOPE_ALLOWED_HOSTS"].split(",")
    assert f"https://{host}" in config(manifests)["CRSCOPE_CSRF_TRUSTED_ORIGINS"].split(",")
    ingresses = all_of(manifests, "Ingress")
    if not ingresses:  # behind an auth proxy, which owns the entry point
        assert config(manifests)["CRSCOPE_AUTH_MODE"] == "proxy"
        return
    (ingress,) = ingresses
    annotations = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "proxy-read-timeout"] == "3600"
    assert annotations[prefix + "proxy-send-timeout"] == "3600"
    assert annotations[prefix + "proxy-http-version"] == "1.1"
    assert annotations[prefix + "proxy-buffering"] == "off"
    assert annotations[prefix + "proxy-body-size"] == "2m"  # above the app's own 1 MiB
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["rules"][0]["host"] == host
    assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "crscope-tls"}]


@pytest.mark.parametrize("variant", VARIANTS)
def test_proxy_mode_trusts_only_the_proxy_networks(
    rendered: dict[str, list[Obj]], variant: str
) -> None:
    data, auth = config(rendered[variant]), values(variant)["auth"]
    assert data["CRSCOPE_AUTH_MODE"] == auth["mode"]
    if auth["mode"] == "proxy":
        assert data["CRSCOPE_TRUSTED_PROXIES"] == ",".join(auth["trustedProxies"])
        assert data["CRSCOPE_TRUSTED_PROXIES"]
    else:
        assert "CRSCOPE_TRUSTED_PROXIES" not in data


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "values-postgres.yaml"])
def test_single_replica_keeps_history_on_a_volume(
    rendered: dict[str, list[Obj]], variant: str
) -> None:
    objects = rendered[variant]
    deployment = one(objects, "Deployment", "crscope")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}  # RWO volume, 1 writer
    assert volumes(objects)["data"]["persistentVolumeClaim"]["claimName"] == "crscope-history"
    claim = one(objects, "PersistentVolumeClaim", "crscope-history")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert one(objects, "PodDisruptionBudget")["spec"] == {
        "maxUnavailable": 1,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "crscope",
                "app.kubernetes.io/instance": "crscope",
            }
        },
    }


def test_scale_out_shares_state_through_redis_and_postgres(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = rendered["values-postgres.yaml"]
    deployment = one(objects, "Deployment", "crscope")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    assert not all_of(objects, "PersistentVolumeClaim")
    assert "emptyDir" in volumes(objects)["data"]
    pdb = one(objects, "PodDisruptionBudget")["spec"]
    assert pdb["minAvailable"] == 1 and "maxUnavailable" not in pdb
    spread = pod_spec(objects)["affinity"]["podAntiAffinity"]
    term = spread["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    annotations = one(objects, "Ingress")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"


# -- against the real apiserver ------------------------------------------------------------
def collection_path(kube: KubeHTTP, obj: Obj, namespace: str) -> str:
    """The URL to POST ``obj`` to, found through discovery (which also proves the API exists)."""
    version = obj["apiVersion"]
    prefix = f"/apis/{version}" if "/" in version else f"/api/{version}"
    resources = kube.request("GET", prefix)["resources"]
    resource = next(r for r in resources if r["kind"] == obj["kind"] and "/" not in r["name"])
    if resource["namespaced"]:
        return f"{prefix}/namespaces/{namespace}/{resource['name']}"
    return f"{prefix}/{resource['name']}"


def create_namespace(kube: KubeHTTP, name: str, labels: dict[str, str] | None = None) -> None:
    namespace: Obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    if labels:
        namespace["metadata"]["labels"] = labels
    kube.request(
        "POST", "/api/v1/namespaces", body=namespace, query={"fieldManager": "crscope-test"}
    )


@pytest.mark.cluster
@pytest.mark.parametrize("variant", VARIANTS)
def test_apiserver_accepts_every_manifest(kube: KubeHTTP, variant: str) -> None:
    """Rendered into a fresh namespace, as ``helm install -n`` would, every object passes a
    server-side dry run with strict field validation: no unknown or misplaced fields."""
    namespace = f"t-chart-{uuid.uuid4().hex[:8]}"
    create_namespace(kube, namespace)  # for real: the dry runs below need it to exist
    objects = template(values_of(variant), namespace=namespace)
    assert {o["kind"] for o in objects} >= {"Deployment", "ClusterRole", "ServiceAccount"}
    for obj in objects:
        assert obj["kind"] not in CLUSTER_SCOPED or "namespace" not in obj["metadata"]
        try:
            path = collection_path(kube, obj, namespace)
            echoed = kube.request("POST", path, body=obj, query=DRY_RUN)
        except ApiError as exc:
            pytest.fail(f"{variant}: {obj['kind']} {obj['metadata']['name']}: {exc}")
        assert (echoed["kind"], echoed["metadata"]["name"]) == (
            obj["kind"],
            obj["metadata"]["name"],
        )


@pytest.mark.cluster
@pytest.mark.parametrize("variant", VARIANTS)
def test_pod_meets_the_restricted_pod_security_standard(
    kube: KubeHTTP, rendered: dict[str, list[Obj]], variant: str
) -> None:
    name = f"t-chart-{uuid.uuid4().hex[:8]}"
    create_namespace(kube, name, {"pod-security.kubernetes.io/enforce": "restricted"})
    pod: Obj = {
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
