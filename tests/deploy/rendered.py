"""Fixtures for the deployment tests: the chart rendered with its default values and with
each example values file, as ``helm install`` would create it in namespace ``crscope``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.helm import EXAMPLES, ROOT, Obj, examples, template

__all__ = ["ROOT", "VARIANTS", "all_of", "one", "values_of"]

#: The supported set-ups: the chart's defaults, and each example values file by name.
VARIANTS = ("default", *(p.name for p in examples()))


def values_of(variant: str) -> list[Path]:
    """The values files ``helm install`` is given for ``variant``."""
    return [] if variant == "default" else [EXAMPLES / variant]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Obj]]:
    return {variant: template(values_of(variant)) for variant in VARIANTS}


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
