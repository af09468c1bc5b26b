"""Pages rendered through Django's test client against the real engine's cache."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from django.test import Client

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object
from informers import Engine
from tests.informers.kit import wait_until

pytestmark = pytest.mark.cluster
LIST = "/k/demo.crscope.dev/widgets/"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def client() -> Client:
    return Client(REMOTE_ADDR="127.0.0.1")


def make(kube: KubeHTTP, engine: Engine, namespace: str, name: str, **meta: Any) -> None:
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"].update(name=name, **meta)
    kube.request("POST", WIDGET.collection_path(namespace), body=obj)
    informer = engine.informer("demo.crscope.dev/widgets")
    assert informer is not None
    wait_until(lambda: informer.store.get(f"{namespace}/{name}") is not None, timeout=5)


def assert_csp_clean(html: str) -> None:
    """No inline script or style: the CSP would block them, so they must not exist."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", html)  # no inline event handlers


def test_list_page_shows_rows_and_filters_in_the_url(
    live_engine: Engine, kube: KubeHTTP, namespace: str, client: Client
) -> None:
    make(kube, live_engine, namespace, "listed", labels={"app": "web"})
    make(kube, live_engine, namespace, "filtered-out", labels={"app": "db"})
    response = client.get(LIST, {"namespace": namespace, "labelSelector": "app=web"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "listed" in html and "filtered-out" not in html
    assert 'ws-connect="/ws/live/?view=list&amp;kind=demo.crscope.dev%2Fwidgets' in html
    assert "labelSelector=app%3Dweb" in html  # the live feed watches the same filter
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert_csp_clean(html)


def test_htmx_request_gets_only_the_view(
    live_engine: Engine, namespace: str, client: Client
) -> None:
    response = client.get(
        LIST, {"namespace": namespace}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="view"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="view"')
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    # htmx's own history restore and a swap into another target need the whole page.
    for other in ({"HX-History-Restore-Request": "true"}, {"HX-Target": "rows"}):
        headers = {"HX-Request": "true", "HX-Target": "view", **other}
        whole = client.get(LIST, {"namespace": namespace}, headers=headers).content.decode()
        assert "<html" in whole, other
    assert (
        "<html" in client.get(LIST, HTTP_HX_REQUEST="false", HTTP_HX_TARGET="view").content.decode()
    )


def test_malformed_selector_is_explained(
    live_engine: Engine, namespace: str, client: Client
) -> None:
    full = client.get(LIST, {"namespace": namespace, "labelSelector": "app in (web"})
    assert full.status_code == 400
    assert "labelSelector" in full.content.decode()
    assert 'id="rows"' in full.content.decode()  # results without the bad filter
    partial = client.get(
        LIST, {"labelSelector": "app in (web"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="view"
    )
    assert partial.status_code == 200
    assert partial["HX-Retarget"] == "#filter-error"
    assert partial["HX-Push-Url"] == "false"
    assert "labelSelector" in partial.content.decode()
    bad_state = client.get(LIST, {"state": "Sleepy"})
    assert "unknown state" in bad_state.content.decode()


def test_unknown_kind_and_object_are_404_pages_with_a_way_back(
    live_engine: Engine, namespace: str, client: Client, db: None
) -> None:
    for path in (
        "/k/nope.example.com/things/",
        f"{LIST}{namespace}/no-such-widget/",
        "/definitely/not/here",
    ):
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 404, path
        assert 'href="/"' in html and "Back to the health overview" in html
        assert "Traceback" not in html


def test_detail_escapes_hostile_metadata(
    live_engine: Engine, kube: KubeHTTP, namespace: str, client: Client, db: None
) -> None:
    make(kube, live_engine, namespace, "hostile", annotations={"x": HOSTILE})
    response = client.get(f"{LIST}{namespace}/hostile/")
    html = response.content.decode()
    assert response.status_code == 200
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "***redacted***" in html  # spec.auth.password never reaches the page
    assert_csp_clean(html)


def test_home_lists_every_kind(live_engine: Engine, client: Client) -> None:
    html = client.get("/").content.decode()
    for kind in ("Widget", "Database", "ClusterPolicy"):
        assert f">{kind}</a>" in html
    assert 'id="attention-rows"' in html
    assert "authentication is off (loopback only)" in html
