"""Control planes of the pack's own, with the pack's CRDs installed and an engine watching.

Why not the session's cluster: the pack installs some sixty published CRDs, and other
tests in the session list kinds and count informers; they must not see these. Case files
whose CRDs clash (the same CRD name from two releases, e.g. Cluster API v1beta1 and
v1beta2) get a plane each; the rest share one. Planes start lazily, so running one case
file starts only what it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP
from devkit.controlplane.samples import apply_crds
from informers import Engine, EngineSettings, KubeClient, load_cluster_config
from tests.informers.healthpack.cases import CaseFile, case_files, crds_of, plane_groups

#: Installing ~60 CRDs and starting an informer per kind on a loaded 2-core machine.
SETUP_TIMEOUT = 180.0


@dataclass
class PackPlane:
    """One apiserver with some case files' CRDs, and an engine watching every kind in it."""

    files: list[CaseFile]
    cp: ControlPlane | None = None
    kube: KubeHTTP | None = None
    engine: Engine | None = None
    crds: dict[str, dict[str, Any]] = field(default_factory=dict)
    namespaces: set[str] = field(default_factory=set)

    def start(self) -> PackPlane:
        """Start the plane; a failure half-way stops what did start (no stray apiserver)."""
        try:
            self.cp = ControlPlane().start()
            self.kube = KubeHTTP.from_kubeconfig(self.cp.kubeconfig_path("admin"))
            self.crds = crds_of(self.files)
            apply_crds(self.kube, crds=list(self.crds.values()), timeout=SETUP_TIMEOUT)
            config = load_cluster_config(str(self.cp.kubeconfig_path("admin")))
            self.engine = Engine(KubeClient(config), EngineSettings(events="off"))
            self.engine.start()
            if not self.engine.wait_synced(SETUP_TIMEOUT):
                raise AssertionError("the pack's engine did not sync")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()
        if self.kube is not None:
            self.kube.close()
        if self.cp is not None:
            self.cp.stop()

    def crd_for(self, group: str, kind: str) -> dict[str, Any]:
        for crd in self.crds.values():
            spec = crd["spec"]
            if spec["group"] == group and spec["names"]["kind"] == kind:
                return crd
        raise AssertionError(f"no installed CRD for {kind}.{group}: add it to the case file")

    def namespace(self, name: str) -> str:
        """Create the namespace once; each case file writes into its own."""
        assert self.kube is not None
        if name not in self.namespaces:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            try:
                self.kube.request("POST", "/api/v1/namespaces", body=body)
            except ApiError as err:
                if err.status != 409:
                    raise
            self.namespaces.add(name)
        return name


class PackPlanes:
    """The planes for all case files, each started on first use and stopped at the end."""

    def __init__(self) -> None:
        self._groups = plane_groups(case_files())
        self._planes: dict[int, PackPlane] = {}
        self._failed: dict[int, str] = {}

    def for_file(self, stem: str) -> PackPlane:
        for index, files in enumerate(self._groups):
            if any(f.stem == stem for f in files):
                return self._plane(index, files)
        raise KeyError(stem)

    def _plane(self, index: int, files: list[CaseFile]) -> PackPlane:
        # A plane that failed to start fails its other cases at once, not after another
        # full set-up timeout each.
        if index in self._failed:
            raise AssertionError(f"the pack's control plane did not start: {self._failed[index]}")
        if index not in self._planes:
            try:
                self._planes[index] = PackPlane(files=files).start()
            except Exception as exc:
                self._failed[index] = f"{type(exc).__name__}: {exc}"
                raise
        return self._planes[index]

    def stop(self) -> None:
        for plane in self._planes.values():
            plane.stop()


@pytest.fixture(scope="session")
def pack_planes() -> Iterator[PackPlanes]:
    planes = PackPlanes()
    try:
        yield planes
    finally:
        planes.stop()
