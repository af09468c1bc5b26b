"""Objects cloned inside etcd are real objects to the apiserver and to its watchers."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest

from benchmarks import clone as clone_module
from benchmarks.clone import clone, count_listed, rewrite_all, wait_cache_current
from benchmarks.dataset import BenchKind, ensure_crd, name_of, namespace_of
from benchmarks.populate import populate
from benchmarks.relist_changed import changed
from benchmarks.wire import WireClient
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from tests.waiting import wait_until

REAL, TOTAL = 16, 216


def test_clones_are_listed_watched_and_served_like_written_objects(
    control_plane: ControlPlane, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = control_plane.kubeconfig_path("admin")
    kind = BenchKind(group=f"clone-{uuid.uuid4().hex[:8]}.crscope.dev")
    kube = KubeHTTP.from_kubeconfig(kubeconfig)
    # 200 clones reach the watch cache at once here; at 100k it lagged 15 s behind etcd,
    # so what is checked is that clone() waits for it, after its own LIST saw them all
    waits: list[int] = []

    def waiting(kube: KubeHTTP, kind: BenchKind, **options: Any) -> float:
        waits.append(count_listed(kube, kind))
        return wait_cache_current(kube, kind, **options)

    monkeypatch.setattr(clone_module, "wait_cache_current", waiting)
    try:
        ensure_crd(kube, kind)
        report = populate(kubeconfig, kind, start=0, stop=REAL, workers=4, log=print)
        assert report.failures == 0
        listed = kube.request("GET", kind.path())
        since = listed["metadata"]["resourceVersion"]
        assert clone(control_plane, kube, kind, start=REAL, stop=TOTAL, log=print) > 0
        assert waits == [TOTAL]
        assert count_listed(kube, kind) == TOTAL
        # the watch cache (what a streamed list is served from) has them all too
        cached = kube.request("GET", kind.path(), query={"resourceVersion": "0"})
        assert len(cached["items"]) == TOTAL
        # and a revision the cache has not reached is waited for, not taken as reached
        future = str(int(listed["metadata"]["resourceVersion"]) + 10**9)
        with pytest.raises(TimeoutError, match=f"did not reach revision {future}"):
            wait_cache_current(kube, kind, timeout=1.0, revision=future)
        items = kube.request("GET", kind.path())["items"]
        assert sorted(o["metadata"]["name"] for o in items) == [name_of(i) for i in range(TOTAL)]
        assert len({o["metadata"]["uid"] for o in items}) == TOTAL
        assert len({o["metadata"]["resourceVersion"] for o in items}) == TOTAL
        # object 20 is object 4 renamed: same namespace, labels, spec, status and managers
        clone_20 = kube.request("GET", kind.path(namespace_of(20), name_of(20)))
        real_4 = kube.request("GET", kind.path(namespace_of(4), name_of(4)))
        for part in ("spec", "status"):
            assert clone_20[part] == real_4[part]
        managers = [m["manager"] for m in clone_20["metadata"]["managedFields"]]
        assert managers == [m["manager"] for m in real_4["metadata"]["managedFields"]]
        assert len(managers) >= 2
        # a watcher from before the clones gets each as ADDED, as for any create
        target = f"{kind.path()}?watch=1&resourceVersion={since}&timeoutSeconds=3"
        with WireClient.from_kubeconfig(kubeconfig) as wire:
            events = b"".join(wire.stream("GET", target))
        added = [line for line in events.splitlines() if b'"type":"ADDED"' in line]
        assert len(added) == TOTAL - REAL
    finally:
        kube.close()


def test_rewriting_in_etcd_changes_every_object_of_the_kind_and_no_other(
    control_plane: ControlPlane,
) -> None:
    """What ``benchmarks.relist_changed`` does while the apiserver is down, here with it
    up (it sees the puts through its etcd watch): every object of the kind, over several
    pages, gets the change and a new resourceVersion; another kind is not touched."""
    kubeconfig = control_plane.kubeconfig_path("admin")
    kind = BenchKind(group=f"rewrite-{uuid.uuid4().hex[:8]}.crscope.dev")
    other = BenchKind(group=f"other-{uuid.uuid4().hex[:8]}.crscope.dev")
    kube = KubeHTTP.from_kubeconfig(kubeconfig)
    try:
        for each in (kind, other):
            ensure_crd(kube, each)
            assert (
                populate(kubeconfig, each, start=0, stop=REAL, workers=4, log=print).failures == 0
            )
        before = {o["metadata"]["name"]: o for o in kube.request("GET", kind.path())["items"]}
        untouched = kube.request("GET", other.path())["items"]
        assert rewrite_all(control_plane, kind, changed, log=print, page_size=5) == REAL

        def rewritten() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = kube.request("GET", kind.path())["items"]
            return items

        def replicas(obj: dict[str, Any]) -> int:
            return int(obj["spec"].get("replicas") or 0)

        wait_until(
            lambda: all(
                replicas(o) == replicas(before[o["metadata"]["name"]]) + 1 for o in rewritten()
            ),
            timeout=60,
            message="the apiserver serves every rewritten object",
        )
        after = rewritten()
        assert len(after) == REAL
        for obj in after:
            old = before[obj["metadata"]["name"]]
            assert obj["metadata"]["generation"] == old["metadata"]["generation"] + 1
            assert int(obj["metadata"]["resourceVersion"]) > int(old["metadata"]["resourceVersion"])
            stamps = [o["metadata"]["managedFields"][0]["time"] for o in (old, obj)]
            assert stamps[1] >= stamps[0]
        assert kube.request("GET", other.path())["items"] == untouched
    finally:
        kube.close()


class _Answers:
    """A KubeHTTP that gives canned answers (an exception is raised) and keeps the queries."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.queries: list[dict[str, str]] = []

    def request(self, method: str, path: str, *, query: dict[str, str], **_: Any) -> Any:
        self.queries.append(query)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_waiting_for_the_cache_goes_on_through_504_and_429_and_stops_at_others() -> None:
    kind = BenchKind()
    lagging = _Answers(
        {"metadata": {"resourceVersion": "42"}}, ApiError(504, {}), ApiError(429, {}), {}
    )
    assert wait_cache_current(cast(KubeHTTP, lagging), kind, timeout=60) >= 0.2
    assert lagging.answers == []
    asked = lagging.queries[1:]
    assert [(q["resourceVersion"], q["resourceVersionMatch"]) for q in asked] == [
        ("42", "NotOlderThan")
    ] * 3
    refused = _Answers(ApiError(403, {}))
    with pytest.raises(ApiError):
        wait_cache_current(cast(KubeHTTP, refused), kind, revision="7")
