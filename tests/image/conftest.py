"""Fixtures for the image tests: the image built once per session, the shipped manifests
and the in-cluster identity of the pod.

The tests here are marked ``image`` and run only when a ``-m`` expression names that mark
(``make image-test``): building the image takes minutes, so ``make test`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from tests.deploy.helm import Obj
from tests.image.account import Account, deployment_account
from tests.image.build import ensure_image
from tests.image.manifests import deployment_of, load_manifests


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "image" in (config.getoption("markexpr") or ""):
        return
    skipped = [item for item in items if item.get_closest_marker("image")]
    if skipped:
        config.hook.pytest_deselected(items=skipped)
        items[:] = [item for item in items if not item.get_closest_marker("image")]


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    return ensure_image(log=tmp_path_factory.getbasetemp() / "image-build.log")


@pytest.fixture(scope="session")
def shipped() -> list[Obj]:
    return load_manifests()


@pytest.fixture
def account(
    kube: KubeHTTP, control_plane: ControlPlane, shipped: list[Obj], tmp_path: Path
) -> Iterator[Account]:
    with deployment_account(
        kube,
        objects=shipped,
        deployment=deployment_of(shipped),
        ca_file=control_plane.pki["ca.crt"],
        workdir=tmp_path,
    ) as made:
        yield made
