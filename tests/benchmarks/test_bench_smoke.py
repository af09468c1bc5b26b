"""The benchmark harness end to end at a tiny size: a correctness check, never a timing one.

It also runs the end-to-end stage (dashboard, REST, one Chromium page and three
protocol-level viewers) and renders every output, so a report that cannot be written fails
here rather than after a 9-minute run.

Why: ``make bench`` takes minutes and runs rarely, so a broken contender or protocol change
would otherwise surface only then. 50 objects and one short load step exercise every
piece (CRD, loader, the three contender processes, the load generator, the report).
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from benchmarks import relist, run
from benchmarks.ceiling import run_ceiling
from benchmarks.dashboard_scale import measure_dashboard
from benchmarks.dataset import BenchKind, ensure_crd
from benchmarks.endtoend import run_endtoend
from benchmarks.gobuild import ensure_clientgo
from benchmarks.measure import Result
from benchmarks.memory_parts import PARTS, memory_markdown, run_memory_parts
from benchmarks.plot import caption_for, scale_plot
from benchmarks.populate import populate
from benchmarks.report import (
    README_END,
    README_START,
    ceiling_markdown,
    dashboard_markdown,
    describe_machine,
    machine_info,
    readme_section,
    results_markdown,
    results_table,
    targets_table,
)
from benchmarks.run import contender_specs, run_sizes
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from tests.waiting import wait_until

pytestmark = pytest.mark.cluster

OBJECTS = 50
OBJECT_TREES = PARTS["benchmarks/memory_parts.py"]
STORE = PARTS["informers/store.py"]
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
    control_plane: ControlPlane, tmp_path: Path
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
        # A loaded machine may write fewer than the target in the step; every write made
        # must still be seen, which is what this smoke test is about.
        assert 0 < step.writes <= OBJECTS
        assert step.delivered >= step.writes, "the probe missed events"
        assert step.received >= step.writes, f"{result.contender} missed events"
    table = results_table(results)
    assert table.count("\n") == 2 + len(results)

    # The end-to-end stage, shrunk: REST scenarios, and one Chromium page with three
    # protocol viewers at a low rate.
    e2e = run_endtoend(
        kubeconfig,
        kind,
        OBJECTS,
        say=print,
        requests_per_scenario=20,
        api_clients=4,
        sorted_tab_seconds=2.0,
        ui_scenarios=((1, 3, 5),),
        ui_seconds=2.0,
    ).as_dict()
    assert e2e["error"] is None
    assert [a["matching"] for a in e2e["api"]][:2] == [OBJECTS, OBJECTS]
    sorted_pages = [a for a in e2e["api"] if a["scenario"].startswith("sorted")]
    assert [a["matching"] for a in sorted_pages] == [OBJECTS] * 3, e2e["api"]
    # the server's own time (Server-Timing) is part of what the client waited
    assert all(0 < a["server_p99_ms"] <= a["p99_ms"] for a in e2e["api"]), e2e["api"]
    (ui,) = e2e["ui"]
    assert ui["writes"] == 10 and ui["observed"] == 10, ui  # every change reached the page
    # ... and every viewer, which acked every message it got, as the page does.
    assert ui["viewers"] == 3 and ui["viewer_errors"] == [], ui
    assert ui["viewer_observed_min"] == 10, ui
    assert ui["viewer_messages_min"] > 0, ui
    assert ui["viewer_unacked"] == 0, ui
    assert ui["cpu_per_viewer_pct"] > 0, ui
    # a bare watch saw every write too: the apiserver's share of the latency is measured
    assert ui["delivered"] == 10 and ui["delivered_p99_ms"] > 0, ui
    targets = targets_table(results, e2e)
    assert f"REST list at {OBJECTS} objects, 4 concurrent clients" in targets
    assert f"Sorted pages at {OBJECTS} objects, 4 concurrent clients" in targets
    tab = e2e["sorted_tab"]
    assert tab["connection_after"] == "live" and tab["server_cores_with_tab"] > 0, tab
    assert tab["achieved_rate"] > 0, tab  # the churn really ran, at a recorded rate
    assert f"One live tab sorted by a column over {OBJECTS} objects" in targets
    assert "Change-to-DOM latency, 1 Chromium page + 3 viewers, 5 changes/s" in targets
    machine = machine_info(apiserver_version="test")
    meta = {
        "date": "today",
        "command": "smoke",
        "wall_s": 1.0,
        "object_bytes": data["object_bytes"],
        "catch_up": 1.0,
        "step_seconds": 1.0,
        "rates": "50",
    }
    # more requests than the page limiter's burst: the measure must not be refused
    dashboard = [measure_dashboard(kubeconfig, kind, OBJECTS, say=print, requests_per_page=120)]
    assert dashboard[0].home_p50_ms > 0 and dashboard[0].list_p99_ms > 0, dashboard
    assert dashboard[0].rss_mb > 0 and dashboard[0].sync_s > 0, dashboard
    scale = [d.as_dict() for d in dashboard]
    assert f"| {OBJECTS} | " in dashboard_markdown(scale)
    png = scale_plot(
        results, caption=caption_for(machine, meta), path=tmp_path / "run.png", dashboard=scale
    )
    assert png.read_bytes().startswith(b"\x89PNG"), "the scale curve is a PNG"
    markdown = results_markdown(
        results=results, machine=machine, meta=meta, notes="", e2e=e2e, plot_file=png.name
    )
    assert "## End to end" in markdown and targets in markdown
    assert "a bare watch had the change p50" in markdown
    assert "](run.png)" in markdown
    section = readme_section(
        results=results, machine=machine, results_file="x.md", e2e=e2e, plot_file="r/run.png"
    )
    assert section.startswith(README_START) and section.endswith(README_END)
    assert "](r/run.png)" in section


@pytest.mark.parametrize("list_mode", ["stream", "paged"])
def test_client_go_and_crscope_sync_on_equal_terms(
    control_plane: ControlPlane, list_mode: str
) -> None:
    """The ratios in the README are fair only if both engines do the same work: drop
    managedFields, wait on their own synced signal (never an O(n) ListKeys poll that competes
    with the informer being timed), and fetch the initial state the same way. Each side
    reports what it actually did, read from its own cache and list calls, not its flags."""
    kubeconfig = control_plane.kubeconfig_path("admin")
    kind = BenchKind(group=f"f{uuid.uuid4().hex[:8]}.crscope.test")
    specs = contender_specs(
        kubeconfig=kubeconfig,
        kind=kind,
        clientgo=ensure_clientgo(),
        names=("client-go", "crscope"),
        list_mode=list_mode,
    )

    results, _ = run_sizes(
        kubeconfig=kubeconfig,
        kind=kind,
        sizes=[20],
        specs=specs,
        rates=[],
        step_seconds=1.0,
        workers=2,
    )

    assert [r.contender for r in results] == ["client-go", "crscope"]
    for result in results:
        assert result.error is None, result.error
        assert result.cached == 20
        assert result.list_mode == list_mode, result
        assert result.managed_fields_kept == 0, result
        assert result.polls_list_keys is False, result
    client_go = results[0]
    assert client_go.sync_wait == "HasSynced+handler-count"


def test_both_contenders_replay_the_same_recording_on_one_core(
    control_plane: ControlPlane, tmp_path: Path
) -> None:
    """The event ceiling's harness: one recording of a real watch stream, replayed to
    crscope through its ListerWatcher seam and to client-go through a fake one. Each must
    cache the LIST, count exactly the recorded events, and run pinned to one core."""
    kubeconfig = control_plane.kubeconfig_path("admin")
    kind = BenchKind(group=f"r{uuid.uuid4().hex[:8]}.crscope.test")
    with KubeHTTP.from_kubeconfig(kubeconfig) as kube:
        ensure_crd(kube, kind)
    populate(kubeconfig, kind, start=0, stop=30, workers=4)

    ceiling = run_ceiling(
        kubeconfig,
        kind,
        objects=30,
        clientgo=ensure_clientgo(),
        directory=tmp_path / "recording",
        say=print,
        events=300,
    )

    assert "error" not in ceiling, ceiling
    assert ceiling["stream_bytes"] > 300 * 500  # real events, managedFields and all
    assert [c["contender"] for c in ceiling["contenders"]] == ["crscope", "client-go"]
    for result in ceiling["contenders"]:
        assert result["error"] == "", result
        assert result["events"] == 300, result
        assert result["cpus"] == 1, result  # taskset -c 0 took
        assert result["events_per_s"] > 0, result
    table = targets_table([], None, ceiling).splitlines()
    (row,) = [line for line in table if line.startswith("| Event ceiling on one core")]
    assert "vs client-go" in row, row
    markdown = ceiling_markdown(ceiling)
    assert "## Event ceiling" in markdown and "| crscope | 300 |" in markdown, markdown
    assert "| client-go | 300 |" in markdown, markdown

    # The recorded LIST also tells where the engine's memory goes, by part.
    memory = run_memory_parts(tmp_path / "recording", group=kind.group, plural=kind.plural)
    assert "error" not in memory, memory
    assert memory["objects"] == 30
    parts = {p["name"]: p["bytes_per_object"] for p in memory["parts"]}
    assert parts[OBJECT_TREES] > 1000, parts  # each object's kept JSON, some KB
    assert parts[STORE] > 0, parts
    assert "## Where memory goes" in memory_markdown(memory)


RELIST_OBJECTS = 300


@pytest.mark.parametrize("scaled", [False, True], ids=["with-load-steps", "sync-only-size"])
def test_client_go_and_crscope_relist_after_a_real_410_and_report_its_peak(
    scaled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relist measure (``benchmarks/relist.py``): after every measured phase, the
    apiserver, restarted past every resourceVersion the contenders hold, answers their
    resumed watches 410 Gone. Each must relist every object, have seen the 410 itself (a
    relist for any other reason is not this measure) and report the relist's own peak
    RSS; the restarted apiserver's watch cache is then grown back. On a control plane of
    its own, since it restarts it. At a size above ``FULL_UP_TO`` (no load steps, only
    client-go and crscope) the processes just measured are the ones that relist: none is
    started again."""
    restarts: list[float] = []
    if scaled:
        monkeypatch.setattr(run, "FULL_UP_TO", RELIST_OBJECTS - 1)

        def started_again(*args: object) -> None:
            raise AssertionError("a contender was started again for the relist")

        monkeypatch.setattr(relist, "_prepare", started_again)
    with ControlPlane() as cp:
        kubeconfig = cp.kubeconfig_path("admin")
        kind = BenchKind(group=f"g{uuid.uuid4().hex[:8]}.crscope.test")
        specs = contender_specs(
            kubeconfig=kubeconfig,
            kind=kind,
            clientgo=ensure_clientgo(),
            names=("client-go", "crscope", "python-client"),
        )

        def expire() -> float:
            restarts.append(relist.expire_watches(cp, kind.path()))
            return restarts[-1]

        results, _ = run_sizes(
            kubeconfig=kubeconfig,
            kind=kind,
            sizes=[RELIST_OBJECTS],
            specs=specs,
            rates=[50],
            step_seconds=1.0,
            workers=4,
            expire_watches=expire,
            regrow_at=RELIST_OBJECTS,  # a last size is regrown only for the detailed stages
        )
        capacity = relist.watch_cache_capacity(kubeconfig, kind)

    assert len(restarts) == 1, "one restart serves every relisting contender"
    assert capacity is not None and capacity > 100, "the restarted cache was not regrown"
    if scaled:
        assert [r.contender for r in results] == ["client-go", "crscope"], results
        results.append(Result(contender="python-client", objects=RELIST_OBJECTS))
    client_go, crscope, python_client = results
    for result in (client_go, crscope):
        assert result.error is None, result.error
        assert result.relist_error is None, result
        assert result.relist_gone is not None and result.relist_gone >= 1, result
        assert result.relist_lists is not None and result.relist_lists >= 1, result
        assert "too old resource version" in (result.relist_cause or ""), result
        assert result.relist_s is not None and result.relist_wait_s is not None, result
        assert result.relist_rss_before_mb and result.relist_peak_rss_mb, result
        assert result.relist_peak_rss_mb >= result.relist_rss_before_mb * 0.95, result
        assert result.steady_rss_mb
        ratio = result.relist_peak_rss_mb / result.steady_rss_mb
        assert result.relist_peak_ratio == pytest.approx(ratio), result
        # the peak before the relist, read before the process waited for it
        assert (result.peak_rss_after_load_mb or 0) >= result.steady_rss_mb * 0.95, result
    assert python_client.error is None and python_client.relist_peak_rss_mb is None
    assert python_client.relist_error is None, "the python client is not asked to relist"
    targets = targets_table(results, None)
    (row,) = [line for line in targets.splitlines() if "during a 410 relist" in line]
    assert "client-go" in row and "x (" in row, row
    assert "| Relist peak RSS MB |" in results_table(results)


def test_the_apiservers_peak_rss_is_sampled_and_said(control_plane: ControlPlane) -> None:
    """A sync time measured beside an apiserver at its heap limit must say so."""
    memory = run.ApiserverMemory(control_plane, interval=0.05)
    try:
        wait_until(lambda: memory.peak > 50, timeout=60, message="an apiserver RSS")
    finally:
        memory.stop()
    machine = machine_info(apiserver_version="v0")
    machine.update(apiserver_rss_max_mb=round(memory.peak), apiserver_gomemlimit="11GiB")
    said = describe_machine(machine)
    assert f"kube-apiserver's highest RSS {round(memory.peak):,} MB (GOMEMLIMIT=11GiB)" in said
