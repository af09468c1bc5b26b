"""Render the Helm chart in deploy/helm/crscope with the real helm CLI.

Why a module: the chart is the one source of the manifests a user installs, and several
test files need its output (the manifest checks, the dry runs against the apiserver, the
image run as the Deployment would). They all render through :func:`template`, with the
pinned helm that ``devkit/controlplane/build.py`` builds and caches like the apiserver.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from devkit.controlplane.build import ensure_helm

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "crscope"
EXAMPLES = CHART / "examples"

Obj = dict[str, Any]


class HelmError(RuntimeError):
    """helm refused: the message is its stderr, which names the template and the reason."""


def examples() -> list[Path]:
    """The example values files shipped with the chart, each a supported set-up."""
    return sorted(EXAMPLES.glob("values-*.yaml"))


def helm(*args: str, timeout: float = 120) -> str:
    """Run the pinned helm with ``args`` and return its stdout; raise :class:`HelmError`."""
    result = subprocess.run(
        [str(ensure_helm()), *args], capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise HelmError(result.stderr.strip() or result.stdout.strip())
    return result.stdout


def _value_args(
    values: Sequence[Path], sets: Sequence[str], json_sets: Mapping[str, object] = {}
) -> list[str]:
    args: list[str] = []
    for path in values:
        args += ["--values", str(path)]
    for assignment in sets:
        args += ["--set", assignment]
    for key, value in json_sets.items():  # lists: --set on one item replaces the list
        args += ["--set-json", f"{key}={json.dumps(value)}"]
    return args


def lint(values: Sequence[Path] = (), sets: Sequence[str] = ()) -> str:
    """``helm lint --strict`` of the chart with these values; returns its report."""
    return helm("lint", "--strict", str(CHART), *_value_args(values, sets))


def template(
    values: Sequence[Path] = (),
    sets: Sequence[str] = (),
    *,
    json_sets: Mapping[str, object] = {},
    release: str = "crscope",
    namespace: str = "crscope",
) -> list[Obj]:
    """The objects ``helm install`` would create, in order, as parsed YAML."""
    out = helm(
        "template",
        release,
        str(CHART),
        "--namespace",
        namespace,
        *_value_args(values, sets, json_sets),
    )
    return [doc for doc in yaml.safe_load_all(out) if doc]
