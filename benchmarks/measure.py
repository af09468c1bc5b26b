"""Measure one contender on the loaded data: sync, memory, then load steps of rising rate.

Why "kept up" is judged this way: a write is absorbed once the contender has received its
watch event. After each step the harness polls the contender's event count and, beside
it, a near-free raw watcher (:mod:`benchmarks.probe`) that shows when the apiserver itself
had delivered the step's events; on 2 cores with 50k objects the apiserver can trail its
own writes by seconds, and that is not the contender's lag. A contender keeps up when it
has every event within ``CATCH_UP_SECONDS`` of the probe. It gets ``DRAIN_SECONDS`` more
to drain (so its CPU per event stays fair), and the steps stop at the first rate it did
not keep up with, or that the apiserver could not deliver.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import relist
from benchmarks.contender import ContenderError, ContenderProcess, ContenderSpec
from benchmarks.loadgen import LoadGenerator, StepResult
from benchmarks.probe import WatchProbe
from benchmarks.protocol import status_kb

CATCH_UP_SECONDS = 1.0
DRAIN_SECONDS = 10.0
POLL_SECONDS = 0.05
READY_TIMEOUT = 60.0
KB_PER_MB = 1024.0


@dataclass
class StepOutcome:
    target_rate: float
    achieved_rate: float
    writes: int
    failed_writes: int
    #: Events the probe saw: what the apiserver delivered.
    delivered: int
    received: int
    #: Seconds from the step's last write until the probe had every event (None: never).
    apiserver_lag_s: float | None
    #: Seconds the contender trailed the probe (None: it never received every event).
    lag_s: float | None
    kept_up: bool
    #: The apiserver did not deliver every event within the drain time.
    apiserver_bound: bool
    #: Watches on the resource the apiserver closed as too slow during the step (any
    #: watcher: the contender's, the probe's); -1 when its metrics could not be read.
    terminated_watchers: int = 0


@dataclass
class Result:
    contender: str
    objects: int
    #: Objects the contender held when it reported itself synced.
    cached: int = 0
    sync_s: float | None = None
    baseline_rss_mb: float | None = None
    peak_rss_mb: float | None = None
    steady_rss_mb: float | None = None
    kb_per_object: float | None = None
    max_events_per_s: float | None = None
    #: True when the contender kept up with every step: the limit was the apiserver's.
    absorbed_all_steps: bool = False
    #: The steps stopped because the apiserver could not deliver the events in time.
    apiserver_bound: bool = False
    cpu_us_per_event: float | None = None
    events: int = 0
    peak_rss_after_load_mb: float | None = None
    #: How the contender got its initial state, as it observed it: "stream" (a WatchList,
    #: a watch with sendInitialEvents) or "paged" (LIST calls); None if it did not say.
    list_mode: str | None = None
    #: Cached objects that still carried managedFields after the sync (0: dropped).
    managed_fields_kept: int | None = None
    #: What the sync wait polled; an O(n) ListKeys poll would compete with the informer.
    sync_wait: str | None = None
    polls_list_keys: bool | None = None
    steps: list[StepOutcome] = field(default_factory=list)
    error: str | None = None
    #: A relist the apiserver forced with 410 Gone (``benchmarks.relist``, a fresh process
    #: synced on the same data): RSS before it (settled), its peak RSS and that peak over
    #: ``steady_rss_mb``.
    relist_rss_before_mb: float | None = None
    relist_peak_rss_mb: float | None = None
    relist_peak_ratio: float | None = None
    #: Seconds from the relist's list request to every object back in the cache, and from
    #: the contender's resumption on the restarted apiserver (its reconnect included).
    relist_s: float | None = None
    relist_wait_s: float | None = None
    #: 410 Gone answers and list requests the contender saw since it was told to expect
    #: the relist: at least one of each, or it is not the relist being measured.
    relist_gone: int | None = None
    relist_lists: int | None = None
    #: The contender's last failure before the relist: the apiserver's 410 answer.
    relist_cause: str | None = None
    relist_error: str | None = None


def measure(
    spec: ContenderSpec,
    *,
    objects: int,
    loadgen: LoadGenerator,
    probe: WatchProbe,
    rates: Sequence[float],
    step_seconds: float,
    log_path: Path,
    sync_timeout: float = 600.0,
    say: Callable[[str], None] = print,
    keep_armed: list[relist.Armed] | None = None,
) -> Result:
    """Run one contender through ready, sync and the load steps; never raises.

    With ``keep_armed`` (only for a run without load steps: a stopped process would miss
    their events), a contender that ``relists`` is not closed but armed for the relist
    measure and stopped, and appended there (``benchmarks.relist``)."""
    result = Result(contender=spec.name, objects=objects)
    proc = ContenderProcess(spec, expect=objects, log_path=log_path)
    armed: relist.Armed | None = None
    try:
        ready = proc.expect("ready", timeout=READY_TIMEOUT)
        synced = proc.ask("sync", "synced", timeout=sync_timeout)
        _record_memory(result, ready, synced)
        say(
            f"  {spec.name}: synced {synced['objects']} in {result.sync_s:.2f}s, "
            f"steady {result.steady_rss_mb:.0f} MB"
        )
        _run_steps(
            proc,
            result,
            loadgen=loadgen,
            probe=probe,
            rates=rates,
            step_seconds=step_seconds,
            say=say,
        )
        if keep_armed is not None and spec.relists and not rates:
            result.peak_rss_after_load_mb = _hwm_kb(proc.pid) / KB_PER_MB
            armed = relist.arm(proc, result, say)
    except ContenderError as err:
        result.error = str(err)
        say(f"  {spec.name}: FAILED: {err}")
    finally:
        if armed is not None and keep_armed is not None:
            keep_armed.append(armed)
        else:
            final = proc.close()  # a no-op when arming failed: that closed it
            if final is not None:
                result.peak_rss_after_load_mb = final["hwm_kb"] / KB_PER_MB
    return result


def _hwm_kb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM), as its own ``quit`` reply would give it."""
    peak = status_kb("VmHWM", pid)
    if peak < 0:  # it exited
        raise ContenderError(f"cannot read process {pid}'s peak RSS (VmHWM)")
    return float(peak)


def _record_memory(result: Result, ready: dict[str, Any], synced: dict[str, Any]) -> None:
    result.cached = int(synced["objects"])
    result.sync_s = float(synced["sync_s"])
    result.baseline_rss_mb = ready["rss_kb"] / KB_PER_MB
    result.peak_rss_mb = synced["peak_sync_kb"] / KB_PER_MB
    result.steady_rss_mb = synced["rss_kb"] / KB_PER_MB
    kept = synced["rss_kb"] - ready["rss_kb"]
    result.kb_per_object = kept / max(1, int(synced["objects"]))
    result.list_mode = synced.get("list_mode")
    result.managed_fields_kept = synced.get("managed_fields_kept")
    result.sync_wait = synced.get("sync_wait")
    result.polls_list_keys = synced.get("polls_list_keys")


def _run_steps(
    proc: ContenderProcess,
    result: Result,
    *,
    loadgen: LoadGenerator,
    probe: WatchProbe,
    rates: Sequence[float],
    step_seconds: float,
    say: Callable[[str], None],
) -> None:
    cpu_total = 0.0
    for rate in rates:
        before = proc.ask("count", "count")
        delivered_before = probe.count
        terminated_before = probe.terminated_watchers()
        step = loadgen.step(rate, step_seconds)
        outcome, after = _follow_up(
            proc, probe, step, received_before=before["events"], delivered_before=delivered_before
        )
        terminated_after = probe.terminated_watchers()
        if min(terminated_before, terminated_after) >= 0:
            outcome.terminated_watchers = terminated_after - terminated_before
        else:
            outcome.terminated_watchers = -1
        result.steps.append(outcome)
        result.events += outcome.received
        cpu_total += after["cpu_s"] - before["cpu_s"]
        say(f"  {proc.spec.name}: {_describe(outcome)}")
        if outcome.kept_up and not outcome.apiserver_bound:
            # Achieved rates are noisy (the apiserver sets them), so take the best step.
            result.max_events_per_s = max(result.max_events_per_s or 0.0, outcome.achieved_rate)
        if not outcome.kept_up or outcome.apiserver_bound:
            break
    result.absorbed_all_steps = bool(result.steps) and all(s.kept_up for s in result.steps)
    result.apiserver_bound = any(s.apiserver_bound for s in result.steps)
    if result.events:
        result.cpu_us_per_event = cpu_total / result.events * 1e6


def _follow_up(
    proc: ContenderProcess,
    probe: WatchProbe,
    step: StepResult,
    *,
    received_before: int,
    delivered_before: int,
) -> tuple[StepOutcome, dict[str, Any]]:
    """Poll contender and probe until both have the step's events, or the drain time ends."""
    since = step.finished_at
    deadline = since + CATCH_UP_SECONDS + DRAIN_SECONDS
    delivered_at: float | None = None
    received_at: float | None = None
    while True:
        count = proc.ask("count", "count")
        now = time.monotonic()
        if delivered_at is None and probe.count - delivered_before >= step.ok:
            delivered_at = now
        if count["events"] - received_before >= step.ok:
            received_at = now
            break
        if now > deadline:
            break
        time.sleep(POLL_SECONDS)
    # The contender may finish a poll ahead of the probe (its own thread in this process):
    # give the probe one catch-up window so "delivered" is not read mid-race.
    settle = time.monotonic() + CATCH_UP_SECONDS
    while delivered_at is None and received_at is not None and time.monotonic() < settle:
        if probe.count - delivered_before >= step.ok:
            delivered_at = time.monotonic()
        else:
            time.sleep(POLL_SECONDS)
    delivered = probe.count - delivered_before
    received = count["events"] - received_before
    apiserver_bound = delivered_at is None and received_at is None
    lag: float | None = None
    if received_at is not None:
        trailing = max(0.0, received_at - (delivered_at or received_at))
        lag, kept_up = trailing, trailing <= CATCH_UP_SECONDS
    else:
        # The apiserver never delivered everything: the contender kept up if it had what
        # the probe had, give or take one catch-up window of events.
        kept_up = apiserver_bound and received >= delivered - step.achieved_rate * CATCH_UP_SECONDS
    outcome = StepOutcome(
        target_rate=step.target_rate,
        achieved_rate=step.achieved_rate,
        writes=step.ok,
        failed_writes=step.failed,
        delivered=delivered,
        received=received,
        apiserver_lag_s=None if delivered_at is None else delivered_at - since,
        lag_s=lag,
        kept_up=kept_up,
        apiserver_bound=apiserver_bound,
    )
    return outcome, count


def _describe(s: StepOutcome) -> str:
    api = f"{s.apiserver_lag_s:.2f}s" if s.apiserver_lag_s is not None else "never"
    lag = f"{s.lag_s:.2f}s" if s.lag_s is not None else "never"
    return (
        f"{s.target_rate:.0f}/s target, {s.achieved_rate:.0f}/s written, "
        f"apiserver delivered {s.delivered}/{s.writes} (after {api}), "
        f"received {s.received} (lag behind the apiserver {lag})"
        + (f", {s.terminated_watchers} slow watches closed" if s.terminated_watchers else "")
        + ("" if s.kept_up else ", FELL BEHIND")
    )
