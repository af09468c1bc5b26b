"""The benchmark harness end to end at a tiny size: a correctness check, never a timing one.

Why: ``make bench`` takes minutes and runs rarely, so a broken contender or protocol change
would otherwise surface only then. 50 objects and one short load step exercise every
piece (CRD, loader, the three contender processes, the load generator, the report).
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from benchmarks.dataset import BenchKind
from benchmarks.gobuild import ensure_clientgo
from benchmarks.report import results_table
from benchmarks.run import contender_specs, run_sizes
from tests.controlplane import ControlPlane

pytestmark = pytest.mark.cluster

OBJECTS = 50
FIELDS = (
    "sync_s",
    "baseline_rss_mb",
    "peak_rss_mb",
    "steady_rss_mb",
    "kb_per_object",
    "max_events_per_s",
    "cpu_us_per_event",
    "peak_rss_after_load_mb",
)


def test_every_contender_caches_all_objects_and_reports_every_field(
    control_plane: ControlPlane,
) -> None:
    kubeconfig = control_plane.kubeconfig_path("admin")
    kind = BenchKind(group=f"b{uuid.uuid4().hex[:8]}.crscope.test")
    specs = contender_specs(kubeconfig=kubeconfig, kind=kind, clientgo=ensure_clientgo())

    results, data = run_sizes(
        kubeconfig=kubeconfig,
        kind=kind,
        sizes=[OBJECTS],
        specs=specs,
        rates=[OBJECTS],
        step_seconds=1.0,
        workers=4,
    )

    assert [r.contender for r in results] == ["client-go", "crscope", "python-client"]
    assert data["object_bytes"] > 2000
    for result in results:
        row = dataclasses.asdict(result)
        assert result.error is None, result.error
        assert result.cached == OBJECTS
        missing = [name for name in FIELDS if row[name] is None]
        assert not missing, f"{result.contender}: no {missing}"
        (step,) = result.steps
        assert step.writes == OBJECTS
        assert step.delivered >= step.writes, "the probe missed events"
        assert step.received >= step.writes, f"{result.contender} missed events"
    table = results_table(results)
    assert table.count("\n") == 2 + len(results)
