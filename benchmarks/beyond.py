"""The scale curve past ``make bench``'s largest size, from the newest ``make bench-200k``.

Why a second run: at 200k objects the step alone takes about 16 minutes on the 2-core
machines this runs on (190k clones and the apiserver taking them into its watch cache,
two syncs, an apiserver restart that reloads 200k objects, two relists, the dashboard),
and ``make bench`` must finish in 25. So ``make bench-200k`` measures 10k (a cross-check
against the main run) and 200k, crscope and client-go on one apiserver, and the README's
table and picture show its rows beyond the main run's largest size, saying which run
they come from. Ratios are only ever taken within one run, never across the two.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Result
from benchmarks.runfile import load_dashboard, load_results

#: ``make bench``'s results, and ``make bench-200k``'s (run.py ``--label 200k`` on custom
#: sizes); ISO dates in the names, so the newest sorts last.
MAIN_RUN = re.compile(r"^informers-\d{4}-\d{2}-\d{2}\.json$")
LARGE_RUN = re.compile(r"^informers-\d{4}-\d{2}-\d{2}-custom-200k\.json$")
LABEL = "200k"


@dataclass(frozen=True)
class Beyond:
    """Another run's rows at sizes a main run did not reach, and where they come from."""

    path: Path
    meta: dict[str, Any]
    machine: dict[str, Any]
    results: list[Result] = field(default_factory=list)
    dashboard: list[dict[str, Any]] = field(default_factory=list)

    def sizes(self) -> list[int]:
        return sorted({r.objects for r in self.results})


def newest_run(directory: Path, pattern: re.Pattern[str]) -> Path | None:
    found = sorted(p for p in directory.glob("informers-*.json") if pattern.match(p.name))
    return found[-1] if found else None


def beyond(main: list[Result], directory: Path) -> Beyond | None:
    """The newest large run's rows above ``main``'s largest size (None if it has none)."""
    path = newest_run(directory, LARGE_RUN)
    if path is None or not main:
        return None
    largest = max(r.objects for r in main)
    try:
        results, machine, meta, _ = load_results(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # a file of another schema
        print(f"[report] {path.name} is unreadable, no rows beyond: {exc!r}", file=sys.stderr)
        return None
    kept = [r for r in results if r.objects > largest]
    if not kept:
        return None
    dashboard = [d for d in load_dashboard(path) if d["objects"] > largest]
    return Beyond(path=path, meta=meta, machine=machine, results=kept, dashboard=dashboard)


def provenance(found: Beyond, root: Path) -> str:
    """The sentence under the README's tables that says where the large rows come from."""
    sizes = " and ".join(f"{n:,}" for n in found.sizes())
    report = found.path.with_suffix(".md").resolve().relative_to(root)
    limit = found.machine.get("apiserver_gomemlimit")
    rss = found.machine.get("apiserver_rss_max_mb")
    apiserver = (
        f" kube-apiserver's highest RSS in it was {rss:,} MB, with its Go heap limited to {limit}."
        if rss and limit
        else ""
    )
    return (
        f"The rows at {sizes} objects come from a separate run, `make bench-{LABEL}` on "
        f"{found.meta['date']} ({found.meta['wall_s'] / 60:.0f} min: [{report}]({report})), "
        f"since that size alone would take `make bench` past its 25 minutes; its ratios are "
        f"to client-go in that run, and the picture marks its points hollow.{apiserver}\n"
    )
