"""Measure one contender on the loaded data: sync, memory, then load steps of rising rate.

Why "kept up" is judged this way: a write is absorbed once the contender has received its
watch event, so after each step the harness polls the contender's event count until it
reaches the number of successful writes. If that takes longer than ``CATCH_UP_SECONDS``
after the step's last write answered, the contender fell behind at that rate; it gets a
while longer to drain (so its CPU per event is still fair) and the steps stop there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.contender import ContenderError, ContenderProcess, ContenderSpec
from benchmarks.loadgen import LoadGenerator

CATCH_UP_SECONDS = 1.0
DRAIN_SECONDS = 10.0
POLL_SECONDS = 0.02
READY_TIMEOUT = 60.0
KB_PER_MB = 1024.0


@dataclass
class StepOutcome:
    target_rate: float
    achieved_rate: float
    writes: int
    failed_writes: int
    received: int
    lag_s: float | None
    kept_up: bool


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
    cpu_us_per_event: float | None = None
    events: int = 0
    peak_rss_after_load_mb: float | None = None
    steps: list[StepOutcome] = field(default_factory=list)
    error: str | None = None


def measure(
    spec: ContenderSpec,
    *,
    objects: int,
    loadgen: LoadGenerator,
    rates: Sequence[float],
    step_seconds: float,
    log_path: Path,
    sync_timeout: float = 600.0,
    say: Callable[[str], None] = print,
) -> Result:
    """Run one contender through ready, sync and the load steps; never raises."""
    result = Result(contender=spec.name, objects=objects)
    proc = ContenderProcess(spec, expect=objects, log_path=log_path)
    try:
        ready = proc.expect("ready", timeout=READY_TIMEOUT)
        synced = proc.ask("sync", "synced", timeout=sync_timeout)
        _record_memory(result, ready, synced)
        say(
            f"  {spec.name}: synced {synced['objects']} in {result.sync_s:.2f}s, "
            f"steady {result.steady_rss_mb:.0f} MB"
        )
        _run_steps(proc, result, loadgen=loadgen, rates=rates, step_seconds=step_seconds, say=say)
    except ContenderError as err:
        result.error = str(err)
        say(f"  {spec.name}: FAILED: {err}")
    finally:
        final = proc.close()
        if final is not None:
            result.peak_rss_after_load_mb = final["hwm_kb"] / KB_PER_MB
    return result


def _record_memory(result: Result, ready: dict[str, Any], synced: dict[str, Any]) -> None:
    result.cached = int(synced["objects"])
    result.sync_s = float(synced["sync_s"])
    result.baseline_rss_mb = ready["rss_kb"] / KB_PER_MB
    result.peak_rss_mb = synced["peak_sync_kb"] / KB_PER_MB
    result.steady_rss_mb = synced["rss_kb"] / KB_PER_MB
    kept = synced["rss_kb"] - ready["rss_kb"]
    result.kb_per_object = kept / max(1, int(synced["objects"]))


def _run_steps(
    proc: ContenderProcess,
    result: Result,
    *,
    loadgen: LoadGenerator,
    rates: Sequence[float],
    step_seconds: float,
    say: Callable[[str], None],
) -> None:
    cpu_total = 0.0
    for rate in rates:
        before = proc.ask("count", "count")
        step = loadgen.step(rate, step_seconds)
        expected = before["events"] + step.ok
        lag, after = _wait_for(proc, expected, since=step.finished_at)
        outcome = StepOutcome(
            target_rate=rate,
            achieved_rate=step.achieved_rate,
            writes=step.ok,
            failed_writes=step.failed,
            received=after["events"] - before["events"],
            lag_s=lag,
            kept_up=lag is not None and lag <= CATCH_UP_SECONDS,
        )
        result.steps.append(outcome)
        result.events += outcome.received
        cpu_total += after["cpu_s"] - before["cpu_s"]
        lag_text = f"{lag:.2f}s" if lag is not None else f"> {DRAIN_SECONDS:.0f}s"
        say(
            f"  {proc.spec.name}: {rate:.0f}/s target, {step.achieved_rate:.0f}/s written, "
            f"{outcome.received}/{step.ok} received, lag {lag_text}"
        )
        if not outcome.kept_up:
            break
        result.max_events_per_s = step.achieved_rate
    result.absorbed_all_steps = bool(result.steps) and all(s.kept_up for s in result.steps)
    if result.events:
        result.cpu_us_per_event = cpu_total / result.events * 1e6


def _wait_for(
    proc: ContenderProcess, expected: int, *, since: float
) -> tuple[float | None, dict[str, Any]]:
    """Poll until ``expected`` events arrived; (seconds after ``since``, last count)."""
    deadline = since + CATCH_UP_SECONDS + DRAIN_SECONDS
    while True:
        count = proc.ask("count", "count")
        now = time.monotonic()
        if count["events"] >= expected:
            return max(0.0, now - since), count
        if now > deadline:
            return None, count
        time.sleep(POLL_SECONDS)
