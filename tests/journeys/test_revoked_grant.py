"""A user whose cluster-wide grant is revoked watches the rows leave, without a reload.

Why a journey: the promise is "what RBAC allows now, not at connect time". For a
cluster-scoped kind, an empty set of allowed namespaces was read as "everything", so after
the ClusterRoleBinding was deleted the open list kept its rows and kept receiving new
ones. Here ``bob`` signs in through the form, opens the ClusterPolicy list, and an
administrator deletes the binding while he looks.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import CLUSTER_POLICY, sample_object
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import mark_page, wait_live
from tests.security.clusterrbac import cluster_grant
from tests.security.tokenmode import AUTHZ_TTL

pytestmark = [pytest.mark.browser, pytest.mark.cluster]
POLICIES = "/k/demo.crscope.dev/clusterpolicies/"
#: The socket re-reads access on the authorization TTL; the rest is slack for a loaded
#: two-core machine (the list also re-renders on its own tick).
GONE_WITHIN_MS = int((3 * AUTHZ_TTL + 30) * 1000)


def _create_policy(kube: KubeHTTP, name: str) -> None:
    body = sample_object(CLUSTER_POLICY, namespace=None, rng=random.Random(name))
    body["metadata"]["name"] = name
    kube.request("POST", CLUSTER_POLICY.collection_path(), body=body)


def test_revoked_cluster_grant_empties_the_open_list(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    kube: KubeHTTP,
    watched: Watched,
    tmp_path: Path,
) -> None:
    tag = uuid.uuid4().hex[:6]
    before, after = f"seen-{tag}", f"later-{tag}"
    _create_policy(kube, before)
    page = watched.page
    with cluster_grant(kube, user="bob", plural="clusterpolicies") as binding:
        page.goto(f"{token_dashboard.url}/signin?next={POLICIES}?search={tag}")
        page.fill("input[name='token']", control_plane.tokens["bob"])
        page.click("button[type='submit']")
        wait_live(page)
        rows = page.locator("#rows tr")
        expect(rows.filter(has_text=before)).to_be_visible()
        mark_page(page)

        kube.request("DELETE", binding)
        expect(rows.filter(has_text=before)).to_have_count(0, timeout=GONE_WITHIN_MS)
        _create_policy(kube, after)
        expect(page.locator("#list-summary")).to_have_text("No objects match")
        page.screenshot(path=str(tmp_path / "revoked.png"))
        assert page.evaluate("window.__noReload") == "still here"  # no reload did it
        assert after not in page.content()  # nor does a policy created after revocation

        response = page.goto(f"{token_dashboard.url}{POLICIES}")
        assert response is not None and response.status == 404
    assert watched.errors == []
