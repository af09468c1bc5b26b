"""Fixtures for the deployment tests: the rendered manifests of every kustomization."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.kustomize import Obj, render

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
#: Every kustomization a user may apply (the base is applied through the overlays).
VARIANTS = ("base", "overlays/example", "overlays/scale-out")


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Obj]]:
    return {variant: render(DEPLOY / variant) for variant in VARIANTS}


@pytest.fixture(params=VARIANTS)
def manifests(request: pytest.FixtureRequest, rendered: dict[str, list[Obj]]) -> list[Obj]:
    return rendered[request.param]


def one(objects: list[Obj], kind: str, name: str | None = None) -> Obj:
    """The single object of ``kind`` (and ``name``); fails when there are none or several."""
    hits = [
        o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    assert len(hits) == 1, f"expected one {kind} {name or ''}, found {len(hits)}"
    return hits[0]


def all_of(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]
