"""A run's raw numbers read back from its ``.json``, to render them again without measuring.

Why its own module: the report, the picture and the large run's rows (``benchmarks.beyond``)
all read results files, and none of them should import another just for that.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.contender import ROOT
from benchmarks.measure import Result, StepOutcome

RESULTS_DIR = ROOT / "benchmarks" / "results"


def load_results(
    path: Path,
) -> tuple[list[Result], dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Results, machine, meta and e2e from a run's ``.json`` (to re-render after editing
    notes); the other stages are ``load_stage``'s."""
    raw = json.loads(path.read_text())
    results = []
    for row in raw["results"]:
        steps = [StepOutcome(**s) for s in row.pop("steps")]
        results.append(Result(**row, steps=steps))
    return results, raw["machine"], raw["meta"], raw.get("e2e")


def load_dashboard(path: Path) -> list[dict[str, Any]]:
    """The dashboard's figures at each size (``benchmarks.dashboard_scale``), if measured."""
    found: list[dict[str, Any]] = json.loads(path.read_text()).get("dashboard") or []
    return found


def load_stage(path: Path, name: str) -> dict[str, Any] | None:
    """One optional stage's raw answer (``ceiling``, ``memory_parts``) from a run's JSON."""
    stage: dict[str, Any] | None = json.loads(path.read_text()).get(name)
    return stage
