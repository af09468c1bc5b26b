"""The Helm chart as a user drives it: ``helm lint``, values it refuses, ``helm install``,
``upgrade`` and ``rollback`` against the real apiserver, and least privilege checked the way
deploy/README.md tells operators to (``kubectl auth can-i --as=system:serviceaccount:...``,
which is a SubjectAccessReview)."""

from __future__ import annotations

import base64
import contextlib
import re
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from tests.deploy.helm import CHART, HelmError, helm, lint, template
from tests.deploy.rendered import ROOT, VARIANTS, values_of


@pytest.mark.parametrize("variant", VARIANTS)
def test_lint_finds_nothing(variant: str) -> None:
    report = lint(values_of(variant))
    assert "0 chart(s) failed" in report
    assert "[WARNING]" not in report and "[ERROR]" not in report, report


@pytest.mark.parametrize(
    ("sets", "reason"),
    [
        (["replicaCount=2"], "replicaCount > 1 needs database.postgres"),
        (
            ["replicaCount=2", "database.postgres.existingSecret=db"],
            "replicaCount > 1 needs database.postgres.existingSecret (SQLite has one writer) "
            "and redis",
        ),
        (["auth.mode=proxy"], "auth.mode=proxy needs auth.trustedProxies"),
        (["auth.mode=oidc"], "value must be one of 'token', 'proxy', 'none'"),
        (["settings.CRSCOPE_AUTH_MODE=none"], "settings.CRSCOPE_AUTH_MODE is set by the chart"),
        (["setings.CRSCOPE_LOG_LEVEL=DEBUG"], "setings"),  # a typo is not silently ignored
    ],
)
def test_refuses_values_that_would_break_the_install(sets: list[str], reason: str) -> None:
    with pytest.raises(HelmError) as refused:
        template(sets=sets)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    ("group", "resources", "reason"),
    [
        ("", ["secrets"], 'the core group "" or "*" would grant Secrets'),
        ("*", ["widgets"], 'the core group "" or "*" would grant Secrets'),
        ("apps", ["deployments"], '"apps" is not a custom-resource group'),
        ("example.com", ["*"], 'name the resources of example.com (no "*"'),
        ("example.com", ["widgets", "*"], 'no "*"'),
    ],
)
def test_refuses_groups_that_would_overgrant(group: str, resources: list[str], reason: str) -> None:
    """rbac.groups generates the ClusterRole: a wildcard or a built-in group there would
    grant Secrets or kinds nobody reviewed, and RBAC has no way to subtract them again."""
    with pytest.raises(HelmError) as refused:
        template(json_sets={"rbac.groups": [{"group": group, "resources": resources}]})
    assert reason in str(refused.value)


def test_a_named_secret_key_replaces_the_generated_one() -> None:
    objects = template(sets=["secretKey.existingSecret=mine", "secretKey.key=django"])
    assert not [o for o in objects if o["kind"] == "Secret"]
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    ref = next(e["valueFrom"]["secretKeyRef"] for e in env if e["name"] == "CRSCOPE_SECRET_KEY")
    assert ref == {"name": "mine", "key": "django"}


def test_changed_settings_roll_the_pods() -> None:
    """Settings are environment variables, read once: a new ConfigMap must restart pods."""

    def checksum(*sets: str) -> str:
        objects = template(sets=list(sets))
        (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
        annotations: dict[str, str] = deployment["spec"]["template"]["metadata"]["annotations"]
        return annotations["checksum/config"]

    assert checksum() == checksum()
    assert checksum() != checksum("settings.CRSCOPE_LOG_LEVEL=DEBUG")


# -- against the real apiserver ------------------------------------------------------------
class Release:
    """One ``helm`` release in its own namespace of the test apiserver."""

    def __init__(self, control_plane: ControlPlane, home: Path) -> None:
        self.name = f"crscope-{uuid.uuid4().hex[:6]}"
        self.namespace = f"t-helm-{uuid.uuid4().hex[:8]}"
        self._common = [
            "--kubeconfig",
            str(control_plane.kubeconfig_path("admin")),
            "--namespace",
            self.namespace,
        ]
        self._home = home

    def run(self, *args: str) -> str:
        env = [f"--repository-cache={self._home / 'cache'}"]
        config = [f"--registry-config={self._home / 'registry.json'}"]
        return helm(*args, *self._common, *env, *config, timeout=180)

    @property
    def account(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"


@pytest.fixture
def release(
    control_plane: ControlPlane, kube: KubeHTTP, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Release]:
    for variable in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    made = Release(control_plane, tmp_path)
    yield made
    # The ClusterRole and binding outlive the namespace: uninstall removes them. Not
    # --wait: with no controller-manager here, the claim's finalizer is never removed.
    try:
        made.run("uninstall", made.name)
    except HelmError:
        for kind in ("clusterrolebindings", "clusterroles"):
            path = f"/apis/rbac.authorization.k8s.io/v1/{kind}/{made.name}-reader"
            with contextlib.suppress(ApiError):
                kube.request("DELETE", path)


def can_i(kube: KubeHTTP, user: str, verb: str, resource: str, namespace: str = "") -> bool:
    """``kubectl auth can-i VERB RESOURCE --as=USER``: a SubjectAccessReview for the user,
    with the groups every service account has."""
    name, _, group = resource.partition(".")
    attributes = {"verb": verb, "resource": name, "group": group, "namespace": namespace}
    account_namespace = user.split(":")[2]
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": user,
            "groups": [
                "system:serviceaccounts",
                f"system:serviceaccounts:{account_namespace}",
                "system:authenticated",
            ],
            "resourceAttributes": attributes,
        },
    }
    answer = kube.request("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", body=review)
    return bool(answer["status"].get("allowed"))


#: (verb, resource) crscope needs, cluster-wide.
NEEDED = [
    ("list", "customresourcedefinitions.apiextensions.k8s.io"),
    ("watch", "widgets.demo.crscope.dev"),
    ("list", "events"),
    ("get", "namespaces"),
    ("create", "tokenreviews.authentication.k8s.io"),
    ("create", "subjectaccessreviews.authorization.k8s.io"),
]
#: What it must never do: read Secrets or other workloads' data, write, or escalate.
REFUSED = [
    ("get", "secrets"),
    ("list", "secrets"),
    ("watch", "secrets"),
    ("list", "configmaps"),
    ("list", "pods"),
    ("create", "pods"),
    ("list", "namespaces"),
    ("delete", "namespaces"),
    ("create", "widgets.demo.crscope.dev"),
    ("patch", "widgets.demo.crscope.dev"),
    ("delete", "widgets.demo.crscope.dev"),
    ("update", "customresourcedefinitions.apiextensions.k8s.io"),
    ("list", "gadgets.example.com"),  # a group the values do not name
    ("list", "events.events.k8s.io"),  # crscope reads core Events only
    ("create", "serviceaccounts/token"),
    ("impersonate", "users"),
    ("bind", "clusterroles.rbac.authorization.k8s.io"),
    ("escalate", "clusterroles.rbac.authorization.k8s.io"),
]


@pytest.mark.cluster
def test_installed_service_account_can_read_only_what_crscope_needs(
    kube: KubeHTTP, release: Release
) -> None:
    release.run("install", release.name, str(CHART), "--create-namespace")
    deadline = time.monotonic() + 60  # the authorizer's cache picks the binding up
    while not all(can_i(kube, release.account, verb, res) for verb, res in NEEDED):
        assert time.monotonic() < deadline, "the installed ClusterRole never took effect"
        time.sleep(0.2)
    for namespace in ("", release.namespace, "kube-system"):
        granted = [
            (verb, res)
            for verb, res in REFUSED
            if can_i(kube, release.account, verb, res, namespace)
        ]
        assert not granted, f"{release.account} may {granted} in {namespace or 'the cluster'}"


def _secret_key(kube: KubeHTTP, release: Release) -> str:
    path = f"/api/v1/namespaces/{release.namespace}/secrets/{release.name}-secret"
    return base64.b64decode(kube.request("GET", path)["data"]["secret-key"]).decode()


def _config(kube: KubeHTTP, release: Release) -> dict[str, str]:
    path = f"/api/v1/namespaces/{release.namespace}/configmaps/{release.name}-config"
    data: dict[str, str] = kube.request("GET", path)["data"]
    return data


@pytest.mark.cluster
def test_upgrade_keeps_the_secret_key_and_rollback_restores_settings(
    kube: KubeHTTP, release: Release
) -> None:
    """What deploy/README.md tells operators to run. A new random key on every upgrade would
    sign everyone out and break signed links, so the chart reads the installed one back."""
    release.run("install", release.name, str(CHART), "--create-namespace")
    key = _secret_key(kube, release)
    assert len(key) == 50
    assert _config(kube, release)["CRSCOPE_LOG_LEVEL"] == "INFO"

    release.run(
        "upgrade", release.name, str(CHART), "--reuse-values", "--set", "host=crscope.example.org"
    )
    assert _secret_key(kube, release) == key
    assert _config(kube, release)["CRSCOPE_ALLOWED_HOSTS"] == "crscope.example.org,localhost"

    release.run("rollback", release.name, "1")
    assert _config(kube, release)["CRSCOPE_ALLOWED_HOSTS"] == "crscope.example.com,localhost"
    assert _secret_key(kube, release) == key
    history = release.run("history", release.name, "--output", "json")
    assert history.count('"revision"') == 3


def documented_values() -> list[tuple[str, str]]:
    """(file, YAML) of each values file the deploy docs tell users to write."""
    found = []
    for doc in (ROOT / "README.md", ROOT / "deploy" / "README.md"):
        for block in re.findall(r"```yaml\n(.*?)```", doc.read_text(), flags=re.DOTALL):
            text = textwrap.dedent(block)
            if re.search(r"^image:", text, flags=re.MULTILINE):
                found.append((doc.name, text))
    return found


def test_the_documented_values_install_what_they_say(tmp_path: Path) -> None:
    """A user who copies the docs' values gets their image, host and groups, and a lint-clean
    chart: a renamed value would otherwise be ignored silently by the docs' readers."""
    documented = documented_values()
    assert len(documented) == 2, "expected my-values.yaml in both READMEs"
    for number, (name, text) in enumerate(documented):
        path = tmp_path / f"values-{number}.yaml"
        path.write_text(text)
        assert "0 chart(s) failed" in lint([path]), name
        objects = template([path])
        (config,) = [o for o in objects if o["metadata"]["name"] == "crscope-config"]
        chosen = yaml.safe_load(text)
        assert config["data"]["CRSCOPE_PUBLIC_URL"] == f"https://{chosen['host']}", name
        groups = ",".join(g["group"] for g in chosen["rbac"]["groups"])
        assert config["data"]["CRSCOPE_INCLUDE_GROUPS"] == groups, name
