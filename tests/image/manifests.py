"""What the image tests build a pod from: the shipped manifests, their Deployment, and
the pod spec that runs the image as that Deployment would."""

from __future__ import annotations

from pathlib import Path

from devkit.controlplane import ControlPlane
from tests.deploy.helm import Obj, template
from tests.image.account import Account
from tests.image.pod import Apiserver, PodSpec


def load_manifests() -> list[Obj]:
    """The objects ``helm install`` creates with the chart's defaults (its generated
    crscope-secret included)."""
    return template()


def deployment_of(objects: list[Obj]) -> Obj:
    hits = [o for o in objects if o["kind"] == "Deployment"]
    assert len(hits) == 1, f"expected one Deployment, found {len(hits)}"
    return hits[0]


def pod_spec(
    *,
    image: str,
    objects: list[Obj],
    control_plane: ControlPlane,
    account: Account,
    workdir: Path,
) -> PodSpec:
    return PodSpec(
        deployment=deployment_of(objects),
        objects=objects,
        image=image,
        apiserver=Apiserver("127.0.0.1", control_plane.port),
        workdir=workdir,
        service_account_files=account.files,
    )
