"""``make bench``: crscope's informer vs client-go vs the official Python client, then the
dashboard's REST and change-to-DOM latency on the largest size.

Why one command does everything: the numbers are only comparable when the three
contenders run minutes apart on the same apiserver and the same objects. This starts the
local control plane, creates the benchmark CRD, loads objects incrementally (1k, then up to
10k, then up to 50k), and for each size runs each contender in its own process through
sync, memory readings and load steps. It prints one JSON line per contender and size on
stdout, then the Markdown table, and writes ``benchmarks/results/informers-<date>.md``
(plus the raw ``.json``) and the README section between the bench markers.

    python -m benchmarks.run [--sizes 1000,10000,50000] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import relist
from benchmarks.ceiling import run_ceiling
from benchmarks.clone import CLONE_FROM, clone
from benchmarks.contender import ROOT, ContenderSpec
from benchmarks.dashboard_scale import measure_dashboard
from benchmarks.dataset import BenchKind, ensure_crd, name_of, namespace_of
from benchmarks.gobuild import ensure_clientgo
from benchmarks.loadgen import LoadGenerator
from benchmarks.measure import CATCH_UP_SECONDS, Result, measure
from benchmarks.memory_parts import run_memory_parts
from benchmarks.populate import populate
from benchmarks.probe import WatchProbe
from benchmarks.protocol import status_kb
from benchmarks.report import (
    machine_info,
    results_table,
    targets_table,
    write_report,
)
from benchmarks.runfile import RESULTS_DIR
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP

WORK_DIR = ROOT / "benchmarks" / ".work"
CONTENDERS = ("client-go", "crscope", "python-client")
DEFAULT_RATES = (500.0, 1000.0, 2000.0, 4000.0)
#: 200k is not in the default: on the 2-core machines this runs on the step alone takes
#: about 16 minutes, past the 25 the whole of ``make bench`` may take. ``make bench-200k``
#: measures it in a run of its own (``benchmarks.beyond``).
DEFAULT_SIZES = "1000,10000,50000,100000"
#: kube-apiserver's Go heap soft limit: without it, at 200k objects its heap (a watch cache of
#: unstructured objects, collected at GOGC=100) grew to 18 GB of the machine's 23.5 GB. Only
#: the apiserver gets it; both contenders run with Go's and Python's defaults.
APISERVER_GOMEMLIMIT = "11GiB"
#: Rounds of the health rules' sync comparison (each syncs the detail size twice).
HEALTH_ROUNDS = 2
#: Sizes up to here get every contender and the load steps; larger ones the scaled pair.
FULL_UP_TO = 50_000
SCALED = ("crscope", "client-go")
#: The size of the detailed stages: event ceiling, memory by part, end to end, health rules.
DETAIL_SIZE = 50_000


class _PeakSampler:
    """The highest value ``read`` gave during the run, read every ``interval`` on a daemon
    thread: what the run's machine line says the machine was like while it measured."""

    def __init__(self, interval: float) -> None:
        self.peak = self.read()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    def read(self) -> float:
        raise NotImplementedError

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, self.read())

    def stop(self) -> None:
        self._stop.set()


class LoadAverage(_PeakSampler):
    """The highest 1-minute load average seen during the run: these machines are shared,
    and a table measured next to someone else's test suite must say so."""

    def __init__(self, interval: float = 5.0) -> None:
        super().__init__(interval)

    def read(self) -> float:
        return os.getloadavg()[0]


class ApiserverMemory(_PeakSampler):
    """kube-apiserver's highest RSS during the run, in MB: each apiserver process's VmHWM
    (its own peak, so a spike between reads counts), read every ``interval``; the pid
    changes with every restart. From 100k objects on it is the machine's largest process,
    and a reader judging a sync time must know whether the apiserver beside it was near
    its heap limit (``APISERVER_GOMEMLIMIT``), where its collector costs CPU both
    contenders share."""

    def __init__(self, cp: ControlPlane, interval: float = 2.0) -> None:
        self._cp = cp
        super().__init__(interval)

    def read(self) -> float:
        pid = self._cp.apiserver_pid
        return status_kb("VmHWM", pid) / 1024 if pid is not None else 0.0


def say(line: str) -> None:
    print(f"[bench] {line}", file=sys.stderr, flush=True)


def contender_specs(
    *,
    kubeconfig: Path,
    kind: BenchKind,
    clientgo: Path | None,
    names: Sequence[str] = CONTENDERS,
    list_mode: str = "stream",
) -> list[ContenderSpec]:
    """One spec per contender; crscope and client-go get the same ``list_mode`` (``stream``:
    a WatchList, ``paged``: LIST pages) so their sync times compare like for like."""
    common = ("--kubeconfig", str(kubeconfig), "--group", kind.group, "--version", kind.version)
    py = (sys.executable, "-m")
    specs = {
        "crscope": ContenderSpec(
            "crscope",
            (
                *py,
                "benchmarks.crscope_informer",
                *common,
                "--plural",
                kind.plural,
                "--list-mode",
                list_mode,
            ),
            relists=True,
        ),
        "python-client": ContenderSpec(
            "python-client", (*py, "benchmarks.pyclient_baseline", *common, "--plural", kind.plural)
        ),
    }
    if clientgo is not None:
        specs["client-go"] = ContenderSpec(
            "client-go",
            (
                str(clientgo),
                "-kubeconfig",
                str(kubeconfig),
                "-group",
                kind.group,
                "-version",
                kind.version,
                "-resource",
                kind.plural,
                "-list-mode",
                list_mode,
            ),
            expect_flag="-expect",
            relists=True,
        )
    return [specs[n] for n in names if n in specs]


def run_sizes(
    *,
    kubeconfig: Path,
    kind: BenchKind,
    sizes: Sequence[int],
    specs: Sequence[ContenderSpec],
    rates: Sequence[float],
    step_seconds: float,
    workers: int = 24,
    on_result: Callable[[Result], None] | None = None,
    expire_watches: Callable[[], float] | None = None,
    cloner: Callable[[int, int], float] | None = None,
    after_size: Callable[[int], None] | None = None,
    regrow_at: int | None = None,
) -> tuple[list[Result], dict[str, Any]]:
    """Load each size (incrementally) and measure every contender on it; with
    ``expire_watches`` (``benchmarks.relist``), then each one's relist after a 410.

    Objects from ``CLONE_FROM`` on are loaded by ``cloner`` (``benchmarks.clone``) when
    given; above ``FULL_UP_TO`` the reference contender is left out and so are the load
    steps (the event ceiling measures the rate). ``after_size`` runs once a size is done;
    at ``regrow_at`` the watch cache is grown back after the relist for what it runs.
    """
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    kube = KubeHTTP.from_kubeconfig(kubeconfig)
    ensure_crd(kube, kind)
    results: list[Result] = []
    loaded = 0
    object_bytes = 0
    for size in sorted(sizes):
        say(f"loading objects {loaded}..{size - 1}")
        if cloner is not None and loaded >= CLONE_FROM:
            rate = cloner(loaded, size)
            say(f"loaded {size} objects ({rate:.0f} clones/s in etcd)")
        else:
            report = populate(kubeconfig, kind, start=loaded, stop=size, workers=workers, log=say)
            if report.failures:
                raise RuntimeError(f"loading failed for {report.failures} objects: {report.errors}")
            say(f"loaded {size} objects ({report.writes_per_second:.0f} writes/s)")
        loaded = size
        object_bytes = _average_object_bytes(kube, kind, size)
        loadgen = LoadGenerator(kubeconfig, kind, objects=size, workers=workers)
        probe = WatchProbe(kubeconfig, kind)
        probe.start()
        # without load steps, the measured processes wait for the relist themselves
        kept: list[relist.Armed] | None = (
            [] if expire_watches is not None and size > FULL_UP_TO else None
        )
        try:
            for spec in specs:
                if size > FULL_UP_TO and spec.name not in SCALED:
                    continue
                log_path = WORK_DIR / f"{spec.name}-{size}.log"
                log_path.unlink(missing_ok=True)
                result = measure(
                    spec,
                    objects=size,
                    loadgen=loadgen,
                    probe=probe,
                    rates=rates if size <= FULL_UP_TO else (),
                    step_seconds=step_seconds,
                    log_path=log_path,
                    say=say,
                    keep_armed=kept,
                )
                results.append(result)
        finally:
            probe.close()
            loadgen.close()
        if expire_watches is not None:  # after every measured phase of this size
            following = min((s for s in sizes if s > size), default=size) - size
            relist.measure_relists(
                specs,
                results,
                kubeconfig=kubeconfig,
                kind=kind,
                objects=size,
                expire=expire_watches,
                log_dir=WORK_DIR,
                say=say,
                # a big load regrows the cache too; what runs after this size needs it (after
                # the last size only the dashboard's read-only figures, which do not)
                regrow=0 < following < relist.REGROW_WRITES or size == regrow_at,
                workers=workers,
                ready=kept or (),
            )
        if on_result is not None:  # after the relist step, which fills its columns in
            for result in results:
                if result.objects == size:
                    on_result(result)
        if after_size is not None:
            after_size(size)
    kube.close()
    return results, {"object_bytes": object_bytes}


def _average_object_bytes(kube: KubeHTTP, kind: BenchKind, size: int) -> int:
    indexes = range(0, size, max(1, size // 20))
    sizes = [
        len(
            json.dumps(
                kube.request("GET", kind.path(namespace_of(i), name_of(i))), separators=(",", ":")
            )
        )
        for i in indexes
    ]
    return round(sum(sizes) / len(sizes))


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark crscope's informer engine.")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated counts")
    parser.add_argument("--quick", action="store_true", help="1000 objects only, short steps")
    parser.add_argument("--rates", default=",".join(f"{r:.0f}" for r in DEFAULT_RATES))
    parser.add_argument("--step-seconds", type=float, default=3.0)
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument(
        "--list-mode",
        choices=("stream", "paged"),
        default="stream",
        help="initial state for crscope and client-go alike: WatchList stream or paged LIST",
    )
    parser.add_argument("--workers", type=int, default=24, help="concurrent write connections")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    parser.add_argument(
        "--label", default="", help="appended to the results files' names (letters, digits, -)"
    )
    parser.add_argument(
        "--no-e2e",
        dest="e2e",
        action="store_false",
        help="skip the REST and change-to-DOM measures on the largest size",
    )
    parser.add_argument(
        "--no-ceiling",
        dest="ceiling",
        action="store_false",
        help="skip the event ceiling (a recorded stream replayed on one core) on the largest size",
    )
    parser.add_argument(
        "--no-dashboard-scale",
        dest="dashboard_scale",
        action="store_false",
        help="skip the dashboard's sync, memory, home page and list page at each size",
    )
    parser.add_argument(
        "--no-health-rules",
        dest="health_rules",
        action="store_false",
        help="skip the health rule costs (benchmarks.healthrules) on the largest size",
    )
    args = parser.parse_args(argv)
    if args.label and not args.label.replace("-", "").isalnum():
        parser.error("--label takes letters, digits and '-'")
    if args.quick:
        args.sizes, args.step_seconds = "1000", min(args.step_seconds, 2.0)
        args.e2e = args.dashboard_scale = False
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    started = time.monotonic()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    names = [n.strip() for n in args.contenders.split(",") if n.strip()]
    clientgo = ensure_clientgo() if "client-go" in names else None
    load = LoadAverage()
    e2e: dict[str, Any] | None = None
    ceiling: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    dashboard: list[dict[str, Any]] = []
    say("starting the local control plane")
    cp = ControlPlane(apiserver_env={"GOMEMLIMIT": APISERVER_GOMEMLIMIT}).start()
    apiserver_memory = ApiserverMemory(cp)
    try:
        kubeconfig = cp.kubeconfig_path("admin")
        version = str(cp.request("GET", "/version")[1].get("gitVersion", "unknown"))
        machine = machine_info(apiserver_version=version)
        kind = BenchKind()
        kube = KubeHTTP.from_kubeconfig(kubeconfig)
        specs = contender_specs(
            kubeconfig=kubeconfig,
            kind=kind,
            clientgo=clientgo,
            names=names,
            list_mode=args.list_mode,
        )
        detail = max((s for s in sizes if s <= DETAIL_SIZE), default=min(sizes))
        staged: dict[str, Any] = {"dashboard": dashboard}

        def after_size(size: int) -> None:
            if args.dashboard_scale:
                staged["dashboard"].append(_dashboard_at(kubeconfig, kind, size))
                print(json.dumps({"dashboard": staged["dashboard"][-1]}), flush=True)
            if size == detail:
                staged.update(
                    _detailed(args, kubeconfig=kubeconfig, kind=kind, size=size, clientgo=clientgo)
                )

        results, data = run_sizes(
            kubeconfig=kubeconfig,
            kind=kind,
            sizes=sizes,
            specs=specs,
            rates=rates,
            step_seconds=args.step_seconds,
            workers=args.workers,
            on_result=lambda r: print(json.dumps(dataclasses.asdict(r)), flush=True),
            expire_watches=lambda: relist.expire_watches(cp, kind.path()),
            cloner=lambda start, stop: clone(cp, kube, kind, start=start, stop=stop, log=say),
            after_size=after_size,
            regrow_at=detail,
        )
        e2e, ceiling, memory = staged.get("e2e"), staged.get("ceiling"), staged.get("memory")
    finally:
        kube.close()
        apiserver_memory.stop()
        cp.stop()
        load.stop()
    machine["load_average_max"] = round(load.peak, 2)
    machine["apiserver_rss_max_mb"] = round(apiserver_memory.peak)
    machine["apiserver_gomemlimit"] = APISERVER_GOMEMLIMIT
    wall = time.monotonic() - started
    _write_outputs(
        args,
        results=results,
        machine=machine,
        data=data,
        rates=rates,
        wall=wall,
        e2e=e2e,
        ceiling=ceiling,
        memory=memory,
        dashboard=dashboard,
    )
    say(f"done in {wall / 60:.1f} min")
    failed = (
        any(r.error for r in results)
        or bool(e2e and e2e.get("error"))
        or bool(ceiling and ceiling.get("error"))
        or any(d.get("error") for d in dashboard)
    )
    return 1 if failed else 0


def _detailed(
    args: argparse.Namespace,
    *,
    kubeconfig: Path,
    kind: BenchKind,
    size: int,
    clientgo: Path | None,
) -> dict[str, Any]:
    """The stages measured at one size only (``DETAIL_SIZE``), right after its contenders:
    the event ceiling and memory by part (from one recording), end to end, health rules."""
    found: dict[str, Any] = {}
    if args.ceiling:
        recording = WORK_DIR / "recording"
        found["ceiling"] = run_ceiling(
            kubeconfig, kind, objects=size, clientgo=clientgo, directory=recording, say=say
        )
        print(json.dumps({"ceiling": found["ceiling"]}), flush=True)
        if (recording / "list.json").exists():
            say("measuring where the engine's memory goes (tracemalloc, in-process)")
            found["memory"] = run_memory_parts(recording, group=kind.group, plural=kind.plural)
            print(json.dumps({"memory_parts": found["memory"]}), flush=True)
        shutil.rmtree(recording, ignore_errors=True)
    if args.e2e:
        found["e2e"] = _endtoend(kubeconfig, kind, size)
        print(json.dumps({"e2e": found["e2e"]}), flush=True)
    if args.health_rules:
        # issue 16's limits: state evaluation with the whole pack, and the initial sync of
        # this size with and without rules (own results file)
        from benchmarks.healthrules import run as health_rules_bench

        rules = health_rules_bench(kubeconfig=kubeconfig, kind=kind, rounds=HEALTH_ROUNDS)
        print(json.dumps({"health_rules": rules}), flush=True)
    return found


def _dashboard_at(kubeconfig: Path, kind: BenchKind, size: int) -> dict[str, Any]:
    """The dashboard's own figures at this size; a failure is reported, not raised."""
    try:
        return measure_dashboard(kubeconfig, kind, size, say=say).as_dict()
    except Exception as exc:  # reported in the table and the exit code
        say(f"dashboard at {size:,} failed: {exc!r}")
        return {"objects": size, "error": f"{type(exc).__name__}: {exc}"}


def _endtoend(kubeconfig: Path, kind: BenchKind, objects: int) -> dict[str, Any]:
    """The REST and change-to-DOM measures; a failure is reported, not raised, so the
    informer table (minutes of work) is still written."""
    from benchmarks.endtoend import run_endtoend  # Playwright: only when measuring the UI

    try:
        return run_endtoend(kubeconfig, kind, objects, say=say).as_dict()
    except Exception as exc:  # reported in the table and the exit code
        say(f"end to end failed: {exc!r}")
        return {"objects": objects, "error": f"{type(exc).__name__}: {exc}"}


def _write_outputs(
    args: argparse.Namespace,
    *,
    results: list[Result],
    machine: dict[str, Any],
    data: dict[str, Any],
    rates: Sequence[float],
    wall: float,
    e2e: dict[str, Any] | None,
    ceiling: dict[str, Any] | None,
    memory: dict[str, Any] | None,
    dashboard: list[dict[str, Any]],
) -> None:
    date = time.strftime("%Y-%m-%d")
    custom = args.sizes != DEFAULT_SIZES or not args.e2e
    stem = f"informers-{date}" + ("-quick" if args.quick else "-custom" if custom else "")
    if args.label:  # a second partial run on one day must not overwrite the first's files
        stem += f"-{args.label}"
    meta = {
        "date": date,
        "command": " ".join(["python -m benchmarks.run", *sys.argv[1:]]),
        "wall_s": wall,
        "object_bytes": data.get("object_bytes", 0),
        "catch_up": CATCH_UP_SECONDS,
        "step_seconds": args.step_seconds,
        "rates": ", ".join(f"{r:.0f}" for r in rates),
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    raw = {
        "meta": meta,
        "machine": machine,
        "results": [dataclasses.asdict(r) for r in results],
        "e2e": e2e,
        "ceiling": ceiling,
        "memory_parts": memory,
        "dashboard": dashboard,
    }
    # The raw numbers first: if rendering fails, `python -m benchmarks.report` redoes it.
    (RESULTS_DIR / f"{stem}.json").write_text(json.dumps(raw, indent=2) + "\n")
    readme = not args.quick and not custom and not args.no_readme
    markdown = write_report(RESULTS_DIR / f"{stem}.json", readme=readme)
    print()
    print(targets_table(results, e2e, ceiling))
    print(results_table(results))
    say(f"wrote {markdown}")
    if readme:
        say("updated the benchmark section of README.md")


if __name__ == "__main__":
    sys.exit(main())
