"""An object nested deeper than the JSON parser allows is shown Unknown, never dropped.

orjson refuses documents nested more than 1024 levels; the apiserver accepts far deeper
ones. Such an object used to be skipped as a malformed watch event (or, in a paged LIST,
took the whole page with it), so it was silently invisible. It must be cached with its
identity, its state Unknown and a reason that says why, in every list mode and on watch.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import EngineSettings, State
from informers.depth import MAX_DEPTH, TOO_DEEP, Truncated, loads
from informers.status import compute_status
from tests.informers.kit import make_crd, obj, start_engine, wait_until

PARSER_LIMIT = 1024


def _nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"leaf": "bottom"}
    for _ in range(levels):
        node = {"n": node}
    return node


def test_pruning_keeps_identity_and_cuts_below_the_limit() -> None:
    text = '{"type":"ADDED","object":{"metadata":{"name":"deep","note":"a \\" [{ string"},"spec":'
    text += '{"n":' * (PARSER_LIMIT + 50) + "1" + "}" * (PARSER_LIMIT + 50) + "}}"
    event = loads(text.encode(), wrapped=1)
    shown = event["object"]
    assert isinstance(shown, Truncated)
    assert shown["metadata"] == {"name": "deep", "note": 'a " [{ string'}
    node: Any = shown  # walks down through dicts to the replaced leaf
    levels = 0
    while isinstance(node, dict) and ("n" in node or "spec" in node):
        node, levels = node.get("spec", node.get("n")), levels + 1
    assert node == TOO_DEEP and levels <= MAX_DEPTH
    orjson.dumps(shown)  # everything downstream can serialize it again
    status = compute_status(shown)
    assert (status.state, status.reason) == (State.UNKNOWN, "TooDeep")
    assert "1024" in status.message
    assert not isinstance(loads(b'{"object":{"a":1}}', wrapped=1)["object"], Truncated)


@pytest.fixture
def deep_json() -> Iterator[None]:
    """The test client encodes with the json module, which stops at the recursion limit."""
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(max(saved, 10 * PARSER_LIMIT))
    yield
    sys.setrecursionlimit(saved)


@pytest.mark.cluster
@pytest.mark.usefixtures("deep_json")
@pytest.mark.parametrize("mode", ["paged", "stream"])
def test_a_too_deep_object_is_listed_and_watched_as_unknown(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, namespace: str, mode: str
) -> None:
    make_crd(kube, group=group, kind="Deep", plural="deeps")
    path = f"/apis/{group}/v1/namespaces/{namespace}/deeps"
    listed = obj(group=group, kind="Deep", name="listed", namespace=namespace)
    listed["spec"] = {"tree": _nested(PARSER_LIMIT + 20)}
    kube.request("POST", path, body=listed)
    kube.request(
        "POST", path, body=obj(group=group, kind="Deep", name="plain", namespace=namespace)
    )
    engine = start_engine(
        control_plane,
        settings=EngineSettings(include_groups=(group,), events="off", list_mode=mode),  # type: ignore[arg-type]
    )
    key = f"{group}/deeps"
    try:
        wait_until(
            lambda: (i := engine.informer(key)) is not None and i.synced,
            timeout=30,
            message="synced",
        )
        informer = engine.informer(key)
        assert informer is not None
        watched = obj(group=group, kind="Deep", name="watched", namespace=namespace)
        watched["spec"] = {"tree": _nested(PARSER_LIMIT + 20)}
        kube.request("POST", path, body=watched)
        wait_until(
            lambda: informer.store.get(f"{namespace}/watched") is not None,
            timeout=30,
            message="the deep object arrives by watch",
        )
        for name in ("listed", "watched"):
            entry = informer.store.get(f"{namespace}/{name}")
            assert entry is not None, f"{name} is invisible"
            assert (entry.status.state, entry.status.reason) == (State.UNKNOWN, "TooDeep")
            assert entry.uid and entry.resource_version
        shown = informer.store.get(f"{namespace}/plain")
        assert shown is not None and shown.status.state is State.CURRENT
    finally:
        engine.stop()
