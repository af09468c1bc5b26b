"""An object's page shows who owns it and what it owns, across kinds, and only what the
viewer may see.

Why a journey: the tree is read where people look, on the object's page, and each node's
state and link must be the cluster's: a chain through three kinds (a cluster-scoped
ClusterPolicy owns a Database, which owns Widgets), an ownership cycle (shown once, marked,
not followed forever), an owner reference to an object that does not exist (dangling). A
limited user sees their Widget's owner only as the reference the Widget itself carries,
and nothing at all of a child they may not read.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import CLUSTER_POLICY, DATABASE, WIDGET, SampleKind, sample_object
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, assert_not_reloaded, mark_page, open_object, wait_live
from tests.informers.kit import make_crd
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines


def _ref(obj: dict[str, Any], *, controller: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        **({"controller": True} if controller else {}),
    }


def _create(
    kube: KubeHTTP, kind: SampleKind, namespace: str | None, name: str, *owners: dict[str, Any]
) -> dict[str, Any]:
    body = sample_object(kind, namespace=namespace, rng=random.Random(name))
    body["metadata"]["name"] = name
    if owners:
        body["metadata"]["ownerReferences"] = list(owners)
    return kube.request("POST", kind.collection_path(namespace), body=body)


def test_a_chain_through_three_kinds_a_cycle_and_a_dangling_owner(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    policy = _create(kube, CLUSTER_POLICY, None, f"rel-{uuid.uuid4().hex[:6]}")
    database = _create(kube, DATABASE, namespace, "rel-db", _ref(policy, controller=True))
    page = watched.page

    # The middle of the chain: its owner up, and its two children down, each with a
    # state, arriving live on the open page (a child's creation changes nothing about it).
    open_object(page, f"{dashboard.url}/k/demo.crscope.dev/databases/{namespace}/rel-db/")
    wait_live(page, timeout=WAIT)
    mark_page(page)
    _create(kube, WIDGET, namespace, "rel-w1", _ref(database, controller=True))
    _create(kube, WIDGET, namespace, "rel-w2", _ref(database))
    tree = page.locator("#obj-relations")
    up = tree.locator(".rel-up > li")
    expect(up).to_have_count(1)
    expect(up).to_contain_text(f"ClusterPolicy {policy['metadata']['name']}")
    expect(up.locator(".badge")).to_have_count(1)
    expect(up.locator(".chip", has_text="controller")).to_have_count(1)
    down = tree.locator(".rel-down > li")
    expect(down).to_have_count(2, timeout=WAIT)
    expect(down.nth(0)).to_contain_text("Widget rel-w1")
    expect(down.nth(1)).to_contain_text("Widget rel-w2")
    assert_not_reloaded(page)

    # Down from the top: three levels, followed by link.
    up.get_by_role("link").click()
    expect(page.locator("#obj-relations .rel-down > li")).to_contain_text("Database rel-db")
    expect(page.locator("#obj-relations .rel-down > li > ul > li")).to_have_count(2)
    page.locator("#obj-relations a", has_text="rel-w2").click()
    expect(page.locator("h1")).to_have_text("rel-w2")
    chain = page.locator("#obj-relations .rel-up > li")
    expect(chain).to_contain_text("Database rel-db")
    expect(chain.locator("ul > li")).to_contain_text(policy["metadata"]["name"])

    # A cycle: a owns b, b owns a. Shown once more, marked, not followed.
    a = _create(kube, WIDGET, namespace, "rel-cyc-a")
    b = _create(kube, WIDGET, namespace, "rel-cyc-b", _ref(a))
    kube.request(
        "PATCH",
        WIDGET.object_path("rel-cyc-a", namespace),
        body={"metadata": {"ownerReferences": [_ref(b)]}},
        content_type=MERGE_PATCH,
    )
    open_object(page, f"{dashboard.url}{LIST}{namespace}/rel-cyc-a/")
    wait_live(page, timeout=WAIT)
    page.reload()  # the tree is as of the page's load; the patch may have come after
    expect(page.locator("#obj-relations .rel-down > li")).to_contain_text("rel-cyc-b")
    expect(page.locator("#obj-relations .rel-down .rel-why").first).to_have_text("cycle")
    expect(page.locator("#obj-relations li")).to_have_count(4)  # b up (a: cycle), b down (a: cycle)

    # Dangling: the owner's kind is watched, but no object has that uid.
    ghost = {**_ref(database), "name": "gone-db", "uid": str(uuid.uuid4())}
    _create(kube, WIDGET, namespace, "rel-orphan", ghost)
    open_object(page, f"{dashboard.url}{LIST}{namespace}/rel-orphan/")
    orphan_up = page.locator("#obj-relations .rel-up > li")
    expect(orphan_up).to_contain_text("Database gone-db")
    expect(orphan_up).to_contain_text("not found: dangling")
    expect(orphan_up.locator("a, .badge")).to_have_count(0)
    assert watched.errors == []


def test_a_limited_user_sees_only_what_they_may_read(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    grants: Grants,
    watched: Watched,
) -> None:
    ns = grants.allowed_ns
    owner_db = _create(kube, DATABASE, ns, "rel-secret-owner")
    mine = _create(kube, WIDGET, ns, "rel-mine", _ref(owner_db))
    _create(kube, DATABASE, ns, "rel-hidden-child", _ref(mine))
    _create(kube, WIDGET, ns, "rel-visible-child", _ref(mine))
    page = watched.page
    page.goto(f"{token_dashboard.url}/signin?next=/")
    page.fill("input[name='token']", control_plane.tokens["limited"])
    page.click("button[type='submit']")
    expect(page.locator("#conn")).to_be_attached(timeout=WAIT)
    open_object(page, f"{token_dashboard.url}{LIST}{ns}/rel-mine/")
    tree = page.locator("#obj-relations")
    expect(tree.locator(".rel-down > li")).to_have_count(1, timeout=WAIT)
    expect(tree.locator(".rel-down > li")).to_contain_text("rel-visible-child")
    # The owner: only what the Widget's own ownerReferences say (no state, no link).
    owner = tree.locator(".rel-up > li")
    expect(owner).to_contain_text("Database rel-secret-owner")
    expect(owner).to_contain_text("not visible to you")
    expect(owner.locator("a, .badge")).to_have_count(0)
    assert "rel-hidden-child" not in page.content()

    # An owner reference may name any uid: one of an object in a namespace the viewer may
    # not read must not bring that object's name, state or link onto the page.
    elsewhere = _create(kube, WIDGET, grants.other_ns, "rel-elsewhere")
    decoy = {**_ref(elsewhere), "name": "rel-decoy"}
    _create(kube, WIDGET, ns, "rel-spy", decoy)
    open_object(page, f"{token_dashboard.url}{LIST}{ns}/rel-spy/")
    owner = page.locator("#obj-relations .rel-up > li")
    expect(owner).to_contain_text("Widget rel-decoy")
    expect(owner).to_contain_text("not found: dangling")
    expect(owner.locator("a, .badge")).to_have_count(0)
    assert "rel-elsewhere" not in page.content() and grants.other_ns not in page.content()
    assert watched.errors == []


def test_references_the_health_rules_declare_claim_to_composite(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    """The shipped Crossplane rule names spec.resourceRef, spec.claimRef, spec.resourceRefs."""
    group = f"rel-{uuid.uuid4().hex[:6]}.example.com"
    make_crd(kube, group=group, kind="Claim", plural="claims")
    make_crd(kube, group=group, kind="Composite", plural="composites", namespaced=False)
    make_crd(kube, group=group, kind="Part", plural="parts", namespaced=False)
    try:
        api = f"{group}/v1"

        def post(plural: str, ns: str | None, name: str, spec: dict[str, Any]) -> None:
            where = f"/namespaces/{ns}" if ns else ""
            kube.request(
                "POST",
                f"/apis/{group}/v1{where}/{plural}",
                body={
                    "apiVersion": api,
                    "kind": plural[:-1].capitalize(),
                    "metadata": {"name": name},
                    "spec": spec,
                },
            )

        xr = f"xr-{uuid.uuid4().hex[:6]}"
        post("parts", None, f"{xr}-part", {})
        post(
            "composites",
            None,
            xr,
            {
                "claimRef": {
                    "apiVersion": api,
                    "kind": "Claim",
                    "name": "my-claim",
                    "namespace": namespace,
                },
                "resourceRefs": [
                    {"apiVersion": api, "kind": "Part", "name": f"{xr}-part"},
                    {"apiVersion": api, "kind": "Part", "name": f"{xr}-gone"},
                ],
            },
        )
        post(
            "claims",
            namespace,
            "my-claim",
            {"resourceRef": {"apiVersion": api, "kind": "Composite", "name": xr}},
        )

        page = watched.page
        open_object(page, f"{dashboard.url}/k/{group}/claims/{namespace}/my-claim/")
        wait_live(page, timeout=WAIT)
        ref = page.locator("#obj-relations .rel-refs > li")
        expect(ref).to_have_count(1, timeout=WAIT)
        expect(ref).to_contain_text(f"composite Composite {xr}")
        expect(ref.locator(".badge")).to_have_count(1)
        ref.get_by_role("link", name=xr).click()

        refs = page.locator("#obj-relations .rel-refs > li")
        expect(refs).to_have_count(3, timeout=WAIT)
        expect(refs.nth(0)).to_contain_text("claim Claim my-claim")
        expect(refs.nth(1)).to_contain_text(f"composed Part {xr}-part")
        expect(refs.nth(1).locator("a")).to_have_count(1)
        expect(refs.nth(2)).to_contain_text(f"composed Part {xr}-gone")
        expect(refs.nth(2)).to_contain_text("not found")
        expect(refs.nth(2).locator("a, .badge")).to_have_count(0)
        assert watched.errors == []
    finally:
        for plural in ("claims", "composites", "parts"):
            kube.request(
                "DELETE",
                f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}.{group}",
            )
