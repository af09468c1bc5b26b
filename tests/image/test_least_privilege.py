"""Least privilege, proven: every rule of the shipped ClusterRole is needed, none is broader.

For each rule of the ClusterRole bound to the Deployment's ServiceAccount, the image runs as
the Deployment with that one rule removed, and the test names the capability that breaks.
A rule whose removal breaks nothing is not needed, and the test fails for it. Then the
effective permissions of the shipped role are asked of the apiserver (SubjectAccessReview):
no Secrets, no writes, nothing outside the rules.

Why the image, not the process: the capabilities depend on the in-cluster identity path (the
mounted token, TokenReview and SubjectAccessReview as that identity), which the container
run exercises exactly as a cluster would; one run per rule costs about as much as starting
the process, since the time goes into the engine's first lists, not into podman.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP, KINDS, WIDGET, ensure_namespace, sample_object
from tests.deploy.helm import Obj
from tests.image.account import bound_role, deployment_account
from tests.image.manifests import deployment_of, load_manifests, pod_spec
from tests.image.pod import Pod, run_pod

pytestmark = [pytest.mark.image, pytest.mark.cluster]

#: How long a capability may take to work before it counts as broken. Generous, because
#: the baseline run must show every capability working within it on a loaded machine.
DECIDE_WITHIN = 150.0


@dataclass
class Probe:
    """What one capability check may use: the pod, its own token, and its namespace, which
    holds a Widget with an Event about it (and ``<namespace>-empty`` exists, empty)."""

    pod: Pod
    token: str
    namespace: str
    widget: str

    def api(self, path: str) -> tuple[int, object]:
        status, body = self.pod.get(
            path, headers={"Authorization": f"Bearer {self.token}", "Host": "localhost"}
        )
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")

    def metrics(self) -> str:
        status, body = self.pod.get("/metrics", headers={"Host": "localhost"})
        return body.decode() if status == 200 else ""


# A check answers True (works) or None (not shown yet); the capability's forbidden request
# in the pod's log, or a capability it needs being broken, decides False.
Check = Callable[[Probe], bool | None]


def authenticates(probe: Probe) -> bool | None:
    """A user's bearer token is accepted (TokenReview)."""
    status, _ = probe.api("/api/v1/resources")
    return True if status == 200 else None


def _synced(probe: Probe, plural: str) -> bool:
    return bool(
        re.search(rf'crscope_informer_synced\{{kind="{GROUP}/{plural}"\}} 1\.0', probe.metrics())
    )


def discovers_kinds(probe: Probe) -> bool | None:
    """The sample kinds are found through their CRDs (list and watch CRDs)."""
    metrics = probe.metrics()
    return True if all(f'kind="{GROUP}/{k.plural}"' in metrics for k in KINDS) else None


def watches_kinds(probe: Probe) -> bool | None:
    """Every sample kind is listed and watched to a synced cache."""
    return True if all(_synced(probe, k.plural) for k in KINDS) else None


def authorizes(probe: Probe) -> bool | None:
    """A user sees the kinds RBAC lets them list (SubjectAccessReview)."""
    status, body = probe.api("/api/v1/resources")
    if status != 200 or not isinstance(body, dict):
        return None
    return True if {k.kind for k in KINDS} <= {i["kind"] for i in body["items"]} else None


def records_events(probe: Probe) -> bool | None:
    """Events about an object are collected and served with it (list and watch events)."""
    status, body = probe.api(
        f"/api/v1/resources/{GROUP}/{WIDGET.plural}/namespaces/{probe.namespace}/{probe.widget}/events"
    )
    return True if status == 200 and isinstance(body, dict) and body.get("items") else None


def checks_namespaces(probe: Probe) -> bool | None:
    """The health gate knows an existing namespace that holds no watched objects yet (get
    namespaces); without the grant it answers 404, as for a typo."""
    status, _ = probe.api(f"/api/v1/health?namespace={probe.namespace}-empty")
    return True if status == 200 else None


@dataclass(frozen=True)
class Capability:
    check: Check
    #: The pod's log line when the apiserver refuses the request this capability makes.
    refused: str
    needs: tuple[str, ...] = ()


TOKENREVIEW = "authenticate users (TokenReview)"
SAR = "authorize users (SubjectAccessReview)"
CRDS = "discover kinds (list/watch CRDs)"
KINDS_WATCHED = "list and watch the sample kinds"
EVENTS = "collect Events (list/watch events)"
NAMESPACES = "health gate for an empty namespace (get namespaces)"

CAPABILITIES: dict[str, Capability] = {
    TOKENREVIEW: Capability(authenticates, r"tokenreviews: 403"),
    SAR: Capability(authorizes, r"subjectaccessreviews: 403", needs=(TOKENREVIEW, KINDS_WATCHED)),
    CRDS: Capability(discovers_kinds, r"(?i)customresourcedefinitions.*(403|forbidden)"),
    KINDS_WATCHED: Capability(
        watches_kinds, r"(widgets|databases|clusterpolicies).*403 Forbidden", needs=(CRDS,)
    ),
    EVENTS: Capability(records_events, r"events:/api/v1/events: 403", needs=(SAR, KINDS_WATCHED)),
    NAMESPACES: Capability(checks_namespaces, r"may not get namespaces", needs=(SAR,)),
}


def capabilities(probe: Probe, *, within: float = DECIDE_WITHIN) -> dict[str, bool]:
    """Poll until every capability is shown to work or to be refused; one still undecided
    past ``within`` counts as broken."""
    decided: dict[str, bool] = {}
    deadline = time.monotonic() + within
    while len(decided) < len(CAPABILITIES) and time.monotonic() < deadline:
        logs = probe.pod.logs()
        for name, capability in CAPABILITIES.items():
            if name in decided:
                continue
            if capability.check(probe):
                decided[name] = True
            elif re.search(capability.refused, logs) or any(
                decided.get(need) is False for need in capability.needs
            ):
                decided[name] = False
        if not probe.pod.running():
            break
        time.sleep(1.0)
    return {name: decided.get(name, False) for name in CAPABILITIES}


def rule_id(rule: Obj) -> str:
    groups = ",".join(g or "core" for g in rule.get("apiGroups", []))
    return f"{groups}/{','.join(rule.get('resources', []))}"


def shipped_rules(objects: list[Obj]) -> list[Obj]:
    rules: list[Obj] = bound_role(objects, deployment_of(objects))["rules"]
    return rules


def _event_about(widget: Obj, namespace: str) -> Obj:
    meta = widget["metadata"]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name']}.least-privilege", "namespace": namespace},
        "involvedObject": {
            "apiVersion": widget["apiVersion"],
            "kind": "Widget",
            "name": meta["name"],
            "namespace": namespace,
            "uid": meta["uid"],
        },
        "type": "Normal",
        "reason": "Probed",
        "message": "an event the pod must collect",
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }


def run_capabilities(
    *,
    image: str,
    kube: KubeHTTP,
    control_plane: ControlPlane,
    shipped: list[Obj],
    workdir: Path,
    rules: list[Obj],
) -> dict[str, bool]:
    deployment = deployment_of(shipped)
    with deployment_account(
        kube,
        objects=shipped,
        deployment=deployment,
        ca_file=control_plane.pki["ca.crt"],
        workdir=workdir,
        rules=rules,
    ) as account:
        ensure_namespace(kube, f"{account.namespace}-empty")
        widget = kube.request(
            "POST",
            WIDGET.collection_path(account.namespace),
            body=sample_object(WIDGET, namespace=account.namespace, rng=random.Random(7)),
        )
        kube.request(
            "POST",
            f"/api/v1/namespaces/{account.namespace}/events",
            body=_event_about(widget, account.namespace),
        )
        spec = pod_spec(
            image=image,
            objects=shipped,
            control_plane=control_plane,
            account=account,
            workdir=workdir / "pod",
        )
        # A kind that cannot be listed is reported after this grace (default 60 s).
        spec.env_overrides["CRSCOPE_KIND_FAILURE_GRACE"] = "3"
        with run_pod(spec) as pod:
            pod.wait_ready(probe="startupProbe", timeout=DECIDE_WITHIN)
            probe = Probe(pod, account.token, account.namespace, widget["metadata"]["name"])
            return capabilities(probe)


#: The capability each shipped rule exists for; a rule not listed here is not needed.
NEEDED_FOR = {
    "apiextensions.k8s.io/customresourcedefinitions": CRDS,
    f"{GROUP}/widgets,databases,clusterpolicies": KINDS_WATCHED,
    "core/events": EVENTS,
    "core/namespaces": NAMESPACES,
    "authentication.k8s.io/tokenreviews": TOKENREVIEW,
    "authorization.k8s.io/subjectaccessreviews": SAR,
}


def test_every_capability_works_with_the_shipped_role(
    image: str,
    kube: KubeHTTP,
    control_plane: ControlPlane,
    sample_crds: list[str],
    shipped: list[Obj],
    tmp_path: Path,
) -> None:
    works = run_capabilities(
        image=image,
        kube=kube,
        control_plane=control_plane,
        shipped=shipped,
        workdir=tmp_path,
        rules=shipped_rules(shipped),
    )
    assert all(works.values()), works


def _rule_params() -> list[object]:
    rules = shipped_rules(load_manifests())
    return [pytest.param(i, id=rule_id(rule)) for i, rule in enumerate(rules)]


@pytest.mark.parametrize("index", _rule_params())
def test_each_rule_is_needed(
    index: int,
    image: str,
    kube: KubeHTTP,
    control_plane: ControlPlane,
    sample_crds: list[str],
    shipped: list[Obj],
    tmp_path: Path,
) -> None:
    rules = shipped_rules(shipped)
    removed = rules[index]
    works = run_capabilities(
        image=image,
        kube=kube,
        control_plane=control_plane,
        shipped=shipped,
        workdir=tmp_path,
        rules=[r for i, r in enumerate(rules) if i != index],
    )
    broken = sorted(name for name, ok in works.items() if not ok)
    assert broken, f"nothing breaks without {rule_id(removed)}: the rule is not needed"
    expected = NEEDED_FOR.get(rule_id(removed))
    assert expected in broken, f"without {rule_id(removed)}: {broken} broke, not {expected!r}"


#: (verb, group, resource) the shipped identity must not be allowed anywhere.
BROADER = [
    *((verb, "", "secrets") for verb in ("get", "list", "watch")),
    *(
        (verb, GROUP, plural)
        for verb in ("create", "update", "patch", "delete")
        for plural in ("widgets", "clusterpolicies")
    ),
    ("update", GROUP, "widgets/status"),
    ("create", "", "events"),
    ("delete", "", "events"),
    ("list", "", "pods"),
    ("get", "", "configmaps"),
    ("list", "", "namespaces"),
    ("create", "", "serviceaccounts/token"),
    ("update", "apiextensions.k8s.io", "customresourcedefinitions"),
    ("create", "rbac.authorization.k8s.io", "clusterrolebindings"),
    ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
    ("impersonate", "", "users"),
    ("list", "other.example.com", "things"),
]


def test_nothing_broader_is_granted(
    kube: KubeHTTP, control_plane: ControlPlane, shipped: list[Obj], tmp_path: Path
) -> None:
    """The apiserver's own answer for the bound identity: no Secrets, no writes, no other
    groups, no escalation."""
    rules = shipped_rules(shipped)
    assert not [
        r
        for r in rules
        if "*" in {*r.get("verbs", []), *r.get("resources", []), *r.get("apiGroups", [])}
    ]
    with deployment_account(
        kube,
        objects=shipped,
        deployment=deployment_of(shipped),
        ca_file=control_plane.pki["ca.crt"],
        workdir=tmp_path,
    ) as account:
        user = f"system:serviceaccount:{account.namespace}:{account.service_account}"

        def allowed(verb: str, group: str, resource: str, namespace: str = "") -> bool:
            resource, _, sub = resource.partition("/")
            attrs = {"verb": verb, "group": group, "resource": resource, "subresource": sub}
            if namespace:
                attrs["namespace"] = namespace
            review = kube.request(
                "POST",
                "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                body={
                    "apiVersion": "authorization.k8s.io/v1",
                    "kind": "SubjectAccessReview",
                    "spec": {
                        "user": user,
                        "groups": [
                            "system:serviceaccounts",
                            f"system:serviceaccounts:{account.namespace}",
                        ],
                        "resourceAttributes": attrs,
                    },
                },
            )
            return bool(review["status"].get("allowed"))

        # The review itself is trustworthy: what the role grants is allowed.
        assert allowed("watch", GROUP, "widgets")
        assert allowed("create", "authorization.k8s.io", "subjectaccessreviews")
        granted = [
            (verb, group, resource)
            for verb, group, resource in BROADER
            for namespace in ("", account.namespace)
            if allowed(verb, group, resource, namespace)
        ]
        assert granted == []
