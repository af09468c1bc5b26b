"""What health rules cost: state evaluation per object with the whole pack, and the sync.

Why these two numbers (issue 16's limits): every object's state is evaluated on every
change, so the average cost per object with the whole shipped pack loaded must stay small
(target ≤ 15 µs), and the initial sync of a large kind, where evaluation runs for every
object at once, must not get noticeably slower (target ≤ 1.1 times the same sync without rules).

The evaluation cost is measured on the pack's own test objects
(``tests/informers/healthpack/cases/*.yaml``: statuses shaped as each project documents
them), each evaluated with its kind's rules selected once, as the engine does; the same
objects under the generic rules alone are the baseline. The sync is the engine's own
informer and reflector on the benchmark kind, alternating runs without rules and with a
rule for that kind (inputs from a condition and the phase, three cases: the shape of most
pack rules), best of ``rounds`` each, in wall time and in the process's CPU time (the
steadier figure on a shared machine).

    python -m benchmarks.healthrules [--objects 50000] [--rounds 2] [--no-sync]

``make bench`` runs it on the largest size after the informer table.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.contender import ROOT
from benchmarks.dataset import BenchKind, ensure_crd
from benchmarks.runfile import RESULTS_DIR
from informers import (
    Informer,
    KindInfo,
    KindRules,
    KubeClient,
    evaluate_status,
    load_cluster_config,
    parse_rules,
    shipped_rules,
)
from informers.reflector import Reflector

CASES_DIR = ROOT / "tests" / "informers" / "healthpack" / "cases"
TARGET_US_PER_OBJECT = 15.0
TARGET_SYNC_RATIO = 1.1

#: A user rule for the benchmark kind, shaped like most pack rules.
BENCH_RULE = """\
rules:
  - name: bench/{kind}
    match: {{group: "{group}", kind: {kind}}}
    inputs:
      ready: conditions.Ready.status
      reason: conditions.Ready.reason
      phase: object.status.phase
    cases:
      - when: phase == "Failed" || reason == "ReplicasUnavailable" && phase == "Degraded"
        state: Failed
        reason: Degraded
        reasonFrom: reason
        message: conditions.Ready.message
      - when: ready == "True"
        state: Current
        reason: Ready
      - when: ready == "False" || ready == "Unknown"
        state: InProgress
        reason: NotReady
        reasonFrom: reason
"""


def say(line: str) -> None:
    print(f"[bench:healthrules] {line}", file=sys.stderr, flush=True)


def case_objects(cases_dir: Path = CASES_DIR) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in sorted(cases_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases") or []:
            obj = case.get("object")
            if isinstance(obj, dict):
                objects.append(obj)
    return objects


def evaluation_cost(*, repeat: int = 200, rounds: int = 5) -> dict[str, Any]:
    """Average µs per object with the whole pack (best of ``rounds``), and the baseline.

    Timed in process CPU time: the loop is single-threaded, so on an idle machine it equals
    wall time, and on a shared one it leaves out the time other processes hold the CPU.
    """
    started = time.perf_counter()
    pack = shipped_rules()
    load_s = time.perf_counter() - started
    objects = case_objects()
    if not objects:
        raise RuntimeError(f"no case objects under {CASES_DIR}")
    selected = [(obj, pack.for_object(obj)) for obj in objects]
    matched = sum(1 for _, rules in selected if rules.rules)

    def run(with_rules: bool) -> float:
        best = float("inf")
        for _ in range(rounds):
            gc.collect()
            t0 = time.process_time()
            for _ in range(repeat):
                for obj, rules in selected:
                    evaluate_status(obj, rules if with_rules else None)
            best = min(best, time.process_time() - t0)
        return best / (repeat * len(selected)) * 1e6

    with_pack = run(True)
    generic = run(False)
    each: list[tuple[float, str]] = []
    for obj, rules in selected:
        t0 = time.process_time()
        for _ in range(20):
            status = evaluate_status(obj, rules)
        each.append(((time.process_time() - t0) / 20 * 1e6, status.rule))
    costs = sorted(c for c, _ in each)
    by_rule: dict[str, list[float]] = {}
    for cost, rule in each:
        by_rule.setdefault(rule, []).append(cost)
    dearest = sorted(by_rule.items(), key=lambda kv: -statistics.mean(kv[1]))[:5]
    return {
        "pack_rules": len(pack.rules),
        "pack_expressions": sum(len(r.expressions()) for r in pack.rules),
        "pack_load_s": round(load_s, 2),
        "objects": len(objects),
        "objects_matched_by_a_rule": matched,
        "us_per_object": round(with_pack, 2),
        "median_us_per_object": round(statistics.median(costs), 2),
        "p90_us_per_object": round(costs[int(len(costs) * 0.9)], 2),
        "dearest_rules_us": {rule: round(statistics.mean(c), 1) for rule, c in dearest},
        "generic_us_per_object": round(generic, 2),
        "target_us_per_object": TARGET_US_PER_OBJECT,
    }


class _StopAfterSync:
    """Feeds the informer and stops the reflector once the initial state is in."""

    def __init__(self, informer: Informer) -> None:
        self.informer = informer
        self.reflector: Reflector | None = None

    def progress(self, loaded: int, total: int | None) -> None:
        self.informer.progress(loaded, total)

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        self.informer.replace(objects, resource_version)
        assert self.reflector is not None
        self.reflector.stop()

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        self.informer.apply(event_type, obj)


def _sync_once(client: KubeClient, kind: BenchKind, rules: KindRules) -> tuple[float, float, int]:
    """Wall and CPU seconds of one initial sync (the CPU time is the steadier figure on a
    shared machine: it leaves out the apiserver's work and other people's processes)."""
    info = KindInfo(kind.group, kind.version, kind.kind, kind.plural, namespaced=True)
    informer = Informer(info, client=client, listeners=[], rules=rules)
    sink = _StopAfterSync(informer)
    reflector = Reflector(client=client, path=info.collection_path(), sink=sink, name="bench")
    sink.reflector = reflector
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    reflector.run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, len(informer.store)


def sync_cost(kubeconfig: Path, kind: BenchKind, *, rounds: int = 2) -> dict[str, Any]:
    """The initial sync of every object of the benchmark kind, without and with rules."""
    client = KubeClient(load_cluster_config(str(kubeconfig)))
    user = parse_rules(BENCH_RULE.format(group=kind.group, kind=kind.kind), source="bench")
    with_rules = user.over(shipped_rules()).for_kind(kind.group, kind.kind)
    without = KindRules(kind.group, kind.kind)
    times: dict[str, list[float]] = {"without": [], "with": []}
    cpus: dict[str, list[float]] = {"without": [], "with": []}
    objects = 0
    pair = (("without", without), ("with", with_rules))
    for round_ in range(rounds):
        # ABBA order: the second sync of a pair tends to wait longer on the apiserver
        for label, rules in pair if round_ % 2 == 0 else pair[::-1]:
            elapsed, cpu, objects = _sync_once(client, kind, rules)
            times[label].append(elapsed)
            cpus[label].append(cpu)
            say(
                f"sync {label} rules, round {round_ + 1}: {objects} objects in {elapsed:.2f}s "
                f"(CPU {cpu:.2f}s)"
            )
    best_without, best_with = min(times["without"]), min(times["with"])
    cpu_without, cpu_with = min(cpus["without"]), min(cpus["with"])
    return {
        "objects": objects,
        "without_rules_s": round(best_without, 3),
        "with_rules_s": round(best_with, 3),
        "ratio": round(best_with / best_without, 3),
        "cpu_without_rules_s": round(cpu_without, 3),
        "cpu_with_rules_s": round(cpu_with, 3),
        "cpu_ratio": round(cpu_with / cpu_without, 3),
        "median_ratio": round(
            statistics.median(times["with"]) / statistics.median(times["without"]), 3
        ),
        "rounds": rounds,
        "target_ratio": TARGET_SYNC_RATIO,
    }


def _quiet_text(result: dict[str, Any]) -> str:
    quiet = result.get("quiet")
    if not quiet:
        return ""
    how = "quiet" if quiet["quiet"] else "still busy (the wait ran out)"
    return (
        f"The evaluation started after waiting {quiet['waited_s']} s for the machine to go "
        f"quiet: {how}, {quiet['busy']:.0%} of its CPU busy just before."
    )


def markdown(result: dict[str, Any]) -> str:
    ev = result["evaluation"]
    lines = [
        "# Health rules: cost",
        "",
        f"Date: {result['date']}. Command: `{result['command']}`. "
        f"Load average (1 min) at the start: {result['load_average']}. {_quiet_text(result)}",
        "",
        "| measure | value | target |",
        "| --- | --- | --- |",
        f"| state evaluation, whole pack ({ev['pack_rules']} rules, {ev['objects']} objects "
        f"of {ev['objects_matched_by_a_rule']} matched) | {ev['us_per_object']} µs/object "
        f"| ≤ {ev['target_us_per_object']:.0f} µs |",
        f"| the same, median / 90th percentile object | {ev['median_us_per_object']} / "
        f"{ev['p90_us_per_object']} µs | |",
        f"| the same objects, generic rules only | {ev['generic_us_per_object']} µs/object | |",
        f"| loading and compiling the pack ({ev['pack_expressions']} expressions) "
        f"| {ev['pack_load_s']} s | once per process |",
    ]
    dearest = ", ".join(f"{rule} {cost} µs" for rule, cost in ev["dearest_rules_us"].items())
    lines.append(f"| dearest rules (mean per object) | {dearest} | |")
    sync = result.get("sync")
    if sync:
        lines.append(
            f"| initial sync of {sync['objects']} objects, with / without rules "
            f"| {sync['with_rules_s']} s / {sync['without_rules_s']} s = {sync['ratio']}x "
            f"| ≤ {sync['target_ratio']}x |"
        )
        lines.append(
            f"| the same, CPU time of the engine's process | {sync['cpu_with_rules_s']} s / "
            f"{sync['cpu_without_rules_s']} s = {sync['cpu_ratio']}x | ≤ {sync['target_ratio']}x |"
        )
    return "\n".join(lines) + "\n"


def run(
    *, kubeconfig: Path | None, kind: BenchKind | None, rounds: int, write: bool = True
) -> dict[str, Any]:
    import os

    from benchmarks.quiet import wait_quiet

    quiet = wait_quiet(say=say)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python -m benchmarks.healthrules", *sys.argv[1:]]),
        "load_average": round(os.getloadavg()[0], 2),
        "quiet": {"waited_s": quiet.waited_s, "busy": quiet.busy, "quiet": quiet.quiet},
        "evaluation": evaluation_cost(),
    }
    say(f"evaluation: {json.dumps(result['evaluation'])}")
    if kubeconfig is not None and kind is not None:
        result["sync"] = sync_cost(kubeconfig, kind, rounds=rounds)
        say(f"sync: {json.dumps(result['sync'])}")
    if write:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stem = f"healthrules-{result['date']}"
        if result.get("sync"):
            stem += f"-{result['sync']['objects']}"
        (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS_DIR / f"{stem}.md").write_text(markdown(result))
        say(f"wrote {RESULTS_DIR / (stem + '.md')}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=50000, help="objects for the sync")
    parser.add_argument("--rounds", type=int, default=4, help="syncs of each kind")
    parser.add_argument("--no-sync", dest="sync", action="store_false")
    parser.add_argument("--no-write", dest="write", action="store_false")
    args = parser.parse_args(argv)
    if not args.sync:
        result = run(kubeconfig=None, kind=None, rounds=args.rounds, write=args.write)
        print(markdown(result))
        return 0
    from benchmarks.populate import populate
    from devkit.controlplane import ControlPlane
    from devkit.controlplane.kubehttp import KubeHTTP

    kind = BenchKind()
    with ControlPlane() as cp:
        kubeconfig = cp.kubeconfig_path("admin")
        ensure_crd(KubeHTTP.from_kubeconfig(kubeconfig), kind)
        say(f"loading {args.objects} objects")
        populate(kubeconfig, kind, start=0, stop=args.objects, log=say)
        result = run(kubeconfig=kubeconfig, kind=kind, rounds=args.rounds, write=args.write)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
