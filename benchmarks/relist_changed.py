"""Peak memory of a 410 relist after every object changed, for crscope and client-go.

Why: ``make bench`` measures the relist in which nothing changed while the watch was
away, the best case: each listed object is the very version already cached and replaces
itself (``Informer._on_listed``). After a long partition, or an upgrade that rewrote every
object, each listed object is new and must be held beside the cache until the list is
complete (both informers swap the store at the end). This is that worst case: while the
apiserver is down, every object is rewritten in etcd (a spec field and the writing
manager's managedFields time, as an API write would), so every listed object differs
from the cached one. A resumed watch is then answered 410 Gone; a contender that found
its connection lost during the long wait may instead list again on its own (client-go
did once): any full relist is the one measured, and its cause is reported with it.

Measured by hand, not in ``make bench`` (it would add about three minutes to a bench that
must stay under 25); the results go to
``benchmarks/results/relist-changed-<date>-<objects>.json``:

    python -m benchmarks.relist_changed [--objects 50000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks import relist
from benchmarks.clone import TEMPLATES, clone, rewrite_all
from benchmarks.dataset import BenchKind, ensure_crd
from benchmarks.gobuild import ensure_clientgo
from benchmarks.loadgen import LoadGenerator
from benchmarks.measure import Result, measure
from benchmarks.populate import populate
from benchmarks.probe import WatchProbe
from benchmarks.run import WORK_DIR, contender_specs
from benchmarks.runfile import RESULTS_DIR
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP


def say(line: str) -> None:
    print(f"[relist-changed] {line}", file=sys.stderr, flush=True)


def changed(obj: dict[str, Any]) -> None:
    """What one write would change: a spec field, the generation, and the writing
    manager's entry time (the apiserver stamps only the writer's entry)."""
    spec = obj.setdefault("spec", {})
    spec["replicas"] = int(spec.get("replicas") or 0) + 1
    meta = obj["metadata"]
    meta["generation"] = int(meta.get("generation") or 1) + 1
    managed = meta.get("managedFields") or []
    if managed:
        managed[0]["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def run(objects: int) -> dict[str, Any]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    clientgo = ensure_clientgo()
    cp = ControlPlane().start()
    try:
        kubeconfig = cp.kubeconfig_path("admin")
        kind = BenchKind()
        specs = contender_specs(
            kubeconfig=kubeconfig,
            kind=kind,
            clientgo=clientgo,
            names=("crscope", "client-go"),
        )
        kube = KubeHTTP.from_kubeconfig(kubeconfig)
        ensure_crd(kube, kind)
        first = min(objects, TEMPLATES)
        populate(kubeconfig, kind, start=0, stop=first, log=say)
        if objects > first:
            clone(cp, kube, kind, start=first, stop=objects, log=say)
        say(f"loaded {objects:,} objects")
        kept: list[relist.Armed] = []
        results: list[Result] = []
        loadgen = LoadGenerator(kubeconfig, kind, objects=objects)
        probe = WatchProbe(kubeconfig, kind)
        probe.start()
        try:
            for spec in specs:
                log_path = WORK_DIR / f"{spec.name}-{objects}-changed.log"
                results.append(
                    measure(
                        spec,
                        objects=objects,
                        loadgen=loadgen,
                        probe=probe,
                        rates=(),
                        step_seconds=0.0,
                        log_path=log_path,
                        say=say,
                        keep_armed=kept,
                    )
                )
        finally:
            probe.close()
            loadgen.close()
        rewritten: list[int] = []

        def expire() -> float:
            return relist.expire_watches(
                cp,
                kind.path(),
                while_down=lambda: rewritten.append(rewrite_all(cp, kind, changed, log=say)),
            )

        relist.measure_relists(
            specs,
            results,
            kubeconfig=kubeconfig,
            kind=kind,
            objects=objects,
            expire=expire,
            log_dir=WORK_DIR,
            say=say,
            regrow=False,
            ready=kept,
        )
        kube.close()
    finally:
        cp.stop()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "objects": objects,
        "rewritten": rewritten[0] if rewritten else 0,
        "contenders": [
            {
                "contender": r.contender,
                "steady_rss_mb": r.steady_rss_mb,
                "relist_rss_before_mb": r.relist_rss_before_mb,
                "relist_peak_rss_mb": r.relist_peak_rss_mb,
                "relist_peak_ratio": r.relist_peak_ratio,
                "relist_s": r.relist_s,
                "relist_gone": r.relist_gone,
                "relist_lists": r.relist_lists,
                "relist_cause": r.relist_cause,
                # the bench requires a 410 to tell its relist apart; here any full relist
                # of the changed objects is the one measured, and its cause is reported
                "error": r.error or (r.relist_error if r.relist_peak_rss_mb is None else None),
            }
            for r in results
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=50_000)
    args = parser.parse_args(argv)
    found = run(args.objects)
    print(json.dumps(found, indent=2))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"relist-changed-{time.strftime('%Y-%m-%d')}-{args.objects}.json"
    path.write_text(json.dumps(found, indent=2) + "\n")
    say(f"wrote {path}")
    return 1 if any(c["error"] for c in found["contenders"]) else 0


if __name__ == "__main__":
    sys.exit(main())
