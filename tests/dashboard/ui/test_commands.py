"""The kubectl commands offered on an object's page, word by word as a shell reads them."""

from __future__ import annotations

import shlex

from dashboard.ui.pages.detail.commands import for_object, resource
from informers import KindInfo, Reconcile

WIDGET = KindInfo(
    group="example.com", version="v1", kind="Widget", plural="widgets", namespaced=True
)
NODEPOOL = KindInfo(
    group="k.io", version="v1", kind="NodePool", plural="nodepools", namespaced=False
)


def _texts(kind: KindInfo, namespace: str | None, name: str, r: Reconcile | None) -> dict[str, str]:
    return {c.slug: c.text for c in for_object(kind, namespace=namespace, name=name, reconcile=r)}


def test_namespaced_and_cluster_scoped_targets() -> None:
    namespaced = _texts(WIDGET, "team-a", "w1", None)
    assert namespaced == {
        "get": "kubectl get widgets.example.com w1 -n team-a -o yaml",
        "describe": "kubectl describe widgets.example.com w1 -n team-a",
        "edit": "kubectl edit widgets.example.com w1 -n team-a",
    }
    assert _texts(NODEPOOL, None, "p", None)["get"] == "kubectl get nodepools.k.io p -o yaml"


def test_the_core_group_has_no_suffix() -> None:
    core = KindInfo(group="", version="v1", kind="ConfigMap", plural="configmaps", namespaced=True)
    assert resource(core) == "configmaps"


def test_reconcile_with_a_literal_or_a_fresh_value() -> None:
    literal = _texts(WIDGET, "ns", "w", Reconcile("example.com/refresh", "hard now"))
    assert shlex.split(literal["reconcile"])[-1] == "example.com/refresh=hard now"
    stamped = _texts(WIDGET, "ns", "w", Reconcile("example.com/at"))
    assert stamped["reconcile"].endswith(' example.com/at="$(date +%s)"')


def test_words_from_the_object_are_quoted_for_the_shell() -> None:
    hostile = "w; touch /tmp/pwned $(id)"
    for text in _texts(WIDGET, "ns`x`", hostile, Reconcile("a.io/b", "'v'")).values():
        words = shlex.split(text)
        assert hostile in words and "ns`x`" in words
