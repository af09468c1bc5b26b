"""The fallback renderer agrees with real kustomize on every kustomization in deploy/.

Why: on machines without kubectl the manifest tests run on the fallback's output, so it must
be the same as what ``kubectl apply -k`` sends, apart from the generated names' hash suffix.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, VARIANTS
from tests.deploy.kustomize import (
    Obj,
    UnsupportedKustomization,
    kustomize_command,
    render,
    render_lite,
)

_HASHED = re.compile(r"^(?P<name>.+)-[a-z0-9]{10}$")


def keyed(objects: list[Obj]) -> dict[tuple[str, str, str], Obj]:
    """Objects by identity; Secret data decoded, since kustomize wraps long base64 lines."""
    result = {}
    for obj in objects:
        if obj["kind"] == "Secret":
            obj = {**obj, "data": {k: base64.b64decode(v) for k, v in obj["data"].items()}}
        result[obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]] = obj
    return result


def without_hash_suffixes(objects: list[Obj], generated: set[str]) -> list[Obj]:
    text = json.dumps(objects)
    for obj in objects:
        match = _HASHED.match(obj["metadata"]["name"])
        if obj["kind"] in {"Secret", "ConfigMap"} and match and match["name"] in generated:
            text = text.replace(f'"{obj["metadata"]["name"]}"', f'"{match["name"]}"')
    result: list[Obj] = json.loads(text)
    return result


@pytest.mark.skipif(
    kustomize_command() is None, reason="neither kustomize nor kubectl is installed"
)
@pytest.mark.parametrize("variant", VARIANTS)
def test_fallback_renders_what_kustomize_renders(variant: str) -> None:
    lite = render_lite(DEPLOY / variant)
    generated = {o["metadata"]["name"] for o in lite if o["kind"] in {"Secret", "ConfigMap"}}
    real = without_hash_suffixes(render(DEPLOY / variant), generated)
    assert keyed(lite) == keyed(real)


def test_fallback_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump({"resources": [], "commonLabels": {"team": "a"}})
    )
    with pytest.raises(UnsupportedKustomization, match="commonLabels"):
        render_lite(tmp_path)
