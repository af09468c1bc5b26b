"""Objects cloned inside etcd are real objects to the apiserver and to its watchers."""

from __future__ import annotations

import uuid

from benchmarks.clone import clone, count_listed
from benchmarks.dataset import BenchKind, ensure_crd, name_of, namespace_of
from benchmarks.populate import populate
from benchmarks.wire import WireClient
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP

REAL, TOTAL = 16, 216


def test_clones_are_listed_watched_and_served_like_written_objects(
    control_plane: ControlPlane,
) -> None:
    kubeconfig = control_plane.kubeconfig_path("admin")
    kind = BenchKind(group=f"clone-{uuid.uuid4().hex[:8]}.crscope.dev")
    kube = KubeHTTP.from_kubeconfig(kubeconfig)
    try:
        ensure_crd(kube, kind)
        report = populate(kubeconfig, kind, start=0, stop=REAL, workers=4, log=print)
        assert report.failures == 0
        listed = kube.request("GET", kind.path())
        since = listed["metadata"]["resourceVersion"]
        assert clone(control_plane, kube, kind, start=REAL, stop=TOTAL, log=print) > 0
        assert count_listed(kube, kind) == TOTAL
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
