"""Each shipped rule against its project's published CRD in the real apiserver.

Why through the apiserver and the engine: a rule written against a status shape the CRD
schema does not keep would pass an in-process test and fail in a cluster, because the
apiserver prunes unknown fields when the controller writes status. So each case object is
created, its status is written through the status subresource (as a controller does), and
the state, reason and rule are read from the engine's cache: what the dashboard shows.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from devkit.controlplane.kubehttp import MERGE_PATCH
from informers import Entry, object_key
from tests.informers.healthpack.cases import Case, all_cases
from tests.informers.healthpack.planes import PackPlane, PackPlanes
from tests.waiting import wait_for

#: From the status write to the engine's cache, on a loaded 2-core machine.
SEEN_TIMEOUT = 60.0


def _served(crd: dict[str, Any], version: str) -> dict[str, Any]:
    """The case's version of the CRD, which must be its storage version: the engine
    watches that one, and these planes run no conversion webhooks."""
    entry: dict[str, Any]
    for entry in crd["spec"]["versions"]:
        if entry["name"] == version and entry.get("served"):
            assert entry.get("storage"), (
                f"{crd['metadata']['name']}: write cases in the storage version"
            )
            return entry
    raise AssertionError(f"{crd['metadata']['name']} does not serve {version}")


def _paths(case: Case, crd: dict[str, Any], namespace: str) -> tuple[str, str]:
    plural = crd["spec"]["names"]["plural"]
    base = f"/apis/{case.group}/{case.version}"
    if crd["spec"]["scope"] == "Namespaced":
        base += f"/namespaces/{namespace}"
    return f"{base}/{plural}", f"{base}/{plural}/{case.object['metadata']['name']}"


def write_case(plane: PackPlane, case: Case) -> dict[str, Any]:
    """Create the case's object and write its status the way a controller would.

    Returns the object as the apiserver last answered it (pruned by the schema).
    """
    assert plane.kube is not None
    crd = plane.crd_for(case.group, case.kind)
    body = copy.deepcopy(case.object)
    status = body.pop("status", None)
    namespace = plane.namespace(f"pack-{case.file}")
    if crd["spec"]["scope"] == "Namespaced":
        body["metadata"]["namespace"] = namespace
    else:
        body["metadata"].pop("namespace", None)
    collection, path = _paths(case, crd, namespace)
    has_status_subresource = "status" in (
        _served(crd, case.version).get("subresources") or {}
    ) or "status" in (crd["spec"].get("subresources") or {})
    if status is not None and not has_status_subresource:
        body["status"] = status
    created = plane.kube.request("POST", collection, body=body)
    if case.update:
        created = plane.kube.request("PATCH", path, body=case.update, content_type=MERGE_PATCH)
    if status is not None and has_status_subresource:
        created = plane.kube.request(
            "PATCH", f"{path}/status", body={"status": status}, content_type=MERGE_PATCH
        )
    return created


def engine_entry(plane: PackPlane, case: Case, written: dict[str, Any]) -> Entry:
    """The engine's cache entry for the object, once it holds the last written version."""
    assert plane.engine is not None
    engine = plane.engine
    key = wait_for(
        lambda: engine.lookup_kind(case.group, case.kind),
        timeout=SEEN_TIMEOUT,
        what=f"an informer for {case.kind}.{case.group}",
    )
    wanted = written["metadata"]["resourceVersion"]

    def current() -> Entry | None:
        informer = engine.informer(key)
        entry = informer.store.get(object_key(written)) if informer else None
        return entry if entry is not None and entry.resource_version == wanted else None

    entry: Entry = wait_for(current, timeout=SEEN_TIMEOUT, what=f"{case.id} in the cache")
    return entry


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_pack_case(case: Case, pack_planes: PackPlanes) -> None:
    plane = pack_planes.for_file(case.file)
    written = write_case(plane, case)
    status = engine_entry(plane, case, written).status
    got = {"state": str(status.state), "reason": status.reason, "rule": status.rule}
    want = {k: case.expect[k] for k in ("state", "reason", "rule")}
    assert got == want, f"{status.rule}: {status.when} {dict(status.inputs)} -- {status.message}"
    if "message" in case.expect:
        assert case.expect["message"] in status.message
