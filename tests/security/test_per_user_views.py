"""A limited user's pages agree with their own lists, and other namespaces do not exist.

The user ``limited`` may list Widgets in one namespace only (see ``grants``). Every number
they are shown (home cards, the rail, pushed over the WebSocket, the API's health totals)
must be the total of their own list; the object page, the diff page and the object's
live feed in a namespace they cannot read answer as if the object did not exist.

These run the real Django and Channels applications in this process, on the session's
apiserver (``live_engine``), authenticating each request with the user's bearer token.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from dashboard.core.auth.rbac import reviewer
from dashboard.history.models import Revision
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine
from tests.dashboard.ui.dom import Node, parse
from tests.dashboard.ui.live import live_engine  # noqa: F401 - the in-process engine
from tests.informers.kit import wait_until
from tests.security.tokenmode import Grants

pytestmark = pytest.mark.cluster
WIDGETS = "demo.crscope.dev/widgets"


@pytest.fixture(scope="module")
def limited(
    live_engine: Engine,  # noqa: F811
    grants: Grants,
    kube: KubeHTTP,
    control_plane: ControlPlane,
) -> str:
    """The limited user's token, once RBAC and the cache both show the fixtures."""
    informer = live_engine.informer(WIDGETS)
    assert informer is not None
    wait_until(
        lambda: len(informer.store.list(namespaces=[grants.allowed_ns, grants.other_ns])) == 4,
        timeout=15,
        message="the widgets of both namespaces are cached",
    )

    def may_list() -> bool:
        review = kube.request(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            body={
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": {
                    "user": "limited",
                    "resourceAttributes": {
                        "verb": "list",
                        "group": "demo.crscope.dev",
                        "resource": "widgets",
                        "namespace": grants.allowed_ns,
                    },
                },
            },
        )
        return bool(review.get("status", {}).get("allowed"))

    wait_until(may_list, timeout=15, message="the RoleBinding is in force")
    reviewer.forget()  # no answer cached from before the binding existed
    return control_plane.tokens["limited"]


def _client(token: str) -> Client:
    return Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")


def _by_text(nodes: list[Node], cls: str) -> dict[str, Node]:
    """Each node keyed by the text of its child with class ``cls``."""
    found = {}
    for node in nodes:
        label = [n for n in node.iter() if cls in n.attrs.get("class", "").split()]
        if label:
            found[label[0].text.strip()] = node
    return found


def _count(node: Node, cls: str) -> int:
    hits = [n for n in node.iter() if cls in n.attrs.get("class", "").split()]
    assert hits, (cls, node)
    return int(hits[0].text.strip().replace(",", ""))


def _rail_counts(root: Node) -> dict[str, int]:
    links = [a for a in root.find_all("a") if "rail-kind" in a.attrs.get("class", "").split()]
    return {name: _count(a, "count") for name, a in _by_text(links, "rail-kind-name").items()}


def test_home_cards_rail_and_health_equal_the_users_own_list(
    limited: str,
    grants: Grants,
) -> None:
    client = _client(limited)
    listed = client.get(f"/api/v1/resources/{WIDGETS}", {"limit": 500}).json()
    assert {i["namespace"] for i in listed["items"]} == {grants.allowed_ns}
    own_total = listed["total"]
    assert own_total == 2

    response = client.get("/")
    assert response.status_code == 200
    home = parse(response.content.decode())
    cards = _by_text(home.find_all("article", "card"), "card-title")
    assert set(cards) == {"Widget"}, set(cards)  # Databases: not listable, not shown
    assert _count(cards["Widget"], "card-total") == own_total
    assert _rail_counts(home) == {"Widget": own_total}

    health = client.get("/api/v1/health").json()
    assert health["total"] == own_total
    assert [(k["plural"], k["total"]) for k in health["kinds"]] == [("widgets", own_total)]
    assert sum(health["states"].values()) == own_total
    elsewhere = client.get("/api/v1/health", {"namespace": grants.other_ns})
    assert elsewhere.status_code in (200, 404)  # empty, or "no such namespace": never theirs
    if elsewhere.status_code == 200:
        assert elsewhere.json()["total"] == 0 and not elsewhere.json()["attention"]

    resources = client.get("/api/v1/resources").json()["items"]
    assert [(k["plural"], k["count"]) for k in resources] == [("widgets", own_total)]


async def test_the_pushed_rail_counts_only_the_users_namespaces(
    limited: str,
    grants: Grants,
) -> None:
    from dashboard.asgi import application

    comm = WebsocketCommunicator(
        application,
        "/ws/live/?view=health",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {limited}".encode()),
        ],
    )
    connected, _ = await comm.connect(timeout=10)
    assert connected
    try:
        first = await comm.receive_from(timeout=15)
    finally:
        await comm.disconnect()
    assert _rail_counts(parse(first)) == {"Widget": 2}
    assert grants.other_ns not in first


async def test_the_pushed_list_shows_only_the_users_namespaces(
    limited: str,
    grants: Grants,
    live_engine: Engine,  # noqa: F811
) -> None:
    from dashboard.asgi import application

    comm = WebsocketCommunicator(
        application,
        f"/ws/live/?view=list&kind={WIDGETS}",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {limited}".encode()),
        ],
    )
    connected, _ = await comm.connect(timeout=10)
    assert connected
    try:
        first = await comm.receive_from(timeout=15)
    finally:
        await comm.disconnect()
    rows = [td.text for td in parse(first).find_all("td", "ns")]
    assert rows and set(rows) == {grants.allowed_ns}, rows
    assert _widget_in(live_engine, grants.other_ns) not in first


def _revision(kind: str, namespace: str, name: str, uid: str, rv: int) -> None:
    body = {
        "apiVersion": "demo.crscope.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace, "uid": uid, "resourceVersion": str(rv)},
        "spec": {"size": rv},
    }
    Revision.objects.create(
        kind=kind,
        uid=uid,
        namespace=namespace,
        name=name,
        resource_version=str(rv),
        rv_int=rv,
        type="ADDED" if rv == 1 else "MODIFIED",
        observed=time.time(),
        generation=1,
        managers=["t"],
        changed_paths=[],
        state="Current",
        body=json.dumps(body),
    )


def _widget_in(engine: Engine, namespace: str) -> str:
    informer = engine.informer(WIDGETS)
    assert informer is not None
    return informer.store.list(namespaces=[namespace])[0].name


@pytest.mark.django_db
def test_object_and_diff_pages_exist_only_in_the_users_namespaces(
    limited: str,
    grants: Grants,
    live_engine: Engine,  # noqa: F811
) -> None:
    client = _client(limited)
    for namespace, expected in ((grants.allowed_ns, 200), (grants.other_ns, 404)):
        name = _widget_in(live_engine, namespace)
        uid = str(uuid.uuid4())
        for rv in (1, 2):
            _revision(WIDGETS, namespace, name, uid, rv)
        base = f"/k/{WIDGETS}/{namespace}/{name}/"
        for path in (base, f"{base}diff/", f"{base}diff/?view=yaml"):
            response = client.get(path)
            assert response.status_code == expected, (path, response.status_code)
            if expected == 404:
                assert uid not in response.content.decode()  # no trace of the object
        api = f"/api/v1/resources/{WIDGETS}/namespaces/{namespace}/{name}"
        for suffix in ("", "/history", "/diff"):
            assert client.get(api + suffix).status_code == expected, api + suffix
    gone = f"/k/{WIDGETS}/{grants.other_ns}/deleted-{uuid.uuid4().hex[:6]}/"
    _revision(WIDGETS, grants.other_ns, gone.split("/")[-2], str(uuid.uuid4()), 1)
    assert client.get(gone).status_code == 404  # history of a deleted object too


async def _detail_feed(
    token: str, namespace: str, name: str, kind: str = WIDGETS
) -> tuple[int | None, list[str]]:
    """(close code or None if it stayed open, the messages received) for an object feed."""
    from dashboard.asgi import application

    comm = WebsocketCommunicator(
        application,
        f"/ws/live/?view=detail&kind={kind}&namespace={namespace}&name={name}",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    )
    connected, code = await comm.connect(timeout=10)
    if not connected:
        return (code if isinstance(code, int) else 403), []
    messages: list[str] = []
    try:
        while True:
            output: dict[str, Any] = await comm.receive_output(timeout=15)
            if output["type"] == "websocket.close":
                return output.get("code"), messages
            messages.append(output.get("text", ""))
            if name in messages[-1]:
                return None, messages
    finally:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_object_feed_refuses_other_namespaces(
    limited: str,
    grants: Grants,
    live_engine: Engine,  # noqa: F811
) -> None:
    mine = _widget_in(live_engine, grants.allowed_ns)
    theirs = _widget_in(live_engine, grants.other_ns)
    code, messages = await _detail_feed(limited, grants.allowed_ns, mine)
    assert code is None and any(mine in m for m in messages)
    code, messages = await _detail_feed(limited, grants.other_ns, theirs)
    unknown, _ = await _detail_feed(limited, grants.other_ns, theirs, "nope.example/things")
    assert code is not None and code == unknown, (code, unknown)  # closed, as if absent
    assert not any(theirs in m for m in messages)
