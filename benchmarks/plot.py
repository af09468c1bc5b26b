"""The scale curve as a picture: sync time and memory against the number of objects.

Why a plot beside the table: the question a reader brings is "how does it grow?", and a
log-log line per contender answers it at a glance where three rows of numbers do not. The
picture carries its machine and date, since a curve without them cannot be compared.

    python -m benchmarks.plot benchmarks/results/informers-DATE.json   # writes DATE.png
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine

import matplotlib.pyplot as plt

from benchmarks.beyond import Beyond
from benchmarks.measure import Result
from benchmarks.runfile import load_dashboard, load_results

#: One look per contender, kept across runs so two pictures compare.
STYLE = {
    "crscope": {"color": "#1f77b4", "marker": "o"},
    "client-go": {"color": "#d62728", "marker": "s"},
    "python-client": {"color": "#7f7f7f", "marker": "^"},
}


def _series(results: Sequence[Result], name: str, field: str) -> tuple[list[int], list[float]]:
    points = sorted(
        (r.objects, getattr(r, field))
        for r in results
        if r.contender == name and r.error is None and getattr(r, field) is not None
    )
    return [p[0] for p in points], [float(p[1]) for p in points]


def scale_plot(
    results: Sequence[Result],
    *,
    caption: str,
    path: Path,
    dashboard: Sequence[dict[str, Any]] = (),
    beyond: Beyond | None = None,
) -> Path:
    """Write the PNG: sync seconds, then steady, sync peak and 410-relist peak RSS in MB,
    log-log; with ``dashboard`` (``benchmarks.dashboard_scale`` at each size) a third
    panel: the dashboard's home page p50 and list page p99 in ms. ``beyond``'s points (a
    separate, larger run) continue the lines and are drawn hollow."""
    if beyond is not None:
        results = [*results, *beyond.results]
        dashboard = [*dashboard, *beyond.dashboard]
    names = [n for n in STYLE if any(r.contender == n for r in results)]
    pages = sorted((d for d in dashboard if not d.get("error")), key=lambda d: d["objects"])
    panels = 3 if pages else 2
    figure, axes_row = plt.subplots(1, panels, figsize=(5.5 * panels, 4.4), dpi=110)
    sync, memory = axes_row[0], axes_row[1]
    for name in names:
        style = STYLE[name]
        xs, ys = _series(results, name, "sync_s")
        sync.plot(xs, ys, label=name, linewidth=2, **style)
        xs, ys = _series(results, name, "steady_rss_mb")
        memory.plot(xs, ys, label=f"{name} steady", linewidth=2, **style)
        xs, ys = _series(results, name, "peak_rss_mb")
        memory.plot(xs, ys, label=f"{name} sync peak", linestyle="--", alpha=0.6, **style)
        relisted = [r for r in results if r.relist_error is None]
        xs, ys = _series(relisted, name, "relist_peak_rss_mb")
        if xs:  # measured for the contenders that report their relists
            memory.plot(xs, ys, label=f"{name} relist peak", linestyle=":", alpha=0.8, **style)
    shown = [(sync, "Initial sync", "seconds"), (memory, "Resident memory", "MB")]
    if pages:
        page_axes = axes_row[2]
        xs = [d["objects"] for d in pages]
        style = STYLE["crscope"]
        page_axes.plot(xs, [d["home_p50_ms"] for d in pages], label="home page p50", **style)
        page_axes.plot(
            xs, [d["list_p99_ms"] for d in pages], label="list page p99", linestyle="--", **style
        )
        shown.append((page_axes, "crscope's dashboard, one client", "ms"))
    if beyond is not None:
        _hollow(axes_row, beyond)
    for axes, title, unit in shown:
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_title(title)
        axes.set_xlabel("objects cached")
        axes.set_ylabel(unit)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle("crscope, client-go and the Python client on the same apiserver")
    figure.text(0.5, 0.01, caption, ha="center", fontsize=7, wrap=True)
    figure.tight_layout(rect=(0, 0.06, 1, 0.95))
    figure.savefig(path)
    plt.close(figure)
    return path


def _hollow(axes_row: Any, beyond: Beyond) -> None:
    """White-filled markers over the points that come from the larger run."""
    hollow = {"markerfacecolor": "white", "linestyle": "none", "zorder": 3}
    relisted = [r for r in beyond.results if r.relist_error is None]
    for name in STYLE:
        for axes, field, rows in (
            (axes_row[0], "sync_s", beyond.results),
            (axes_row[1], "steady_rss_mb", beyond.results),
            (axes_row[1], "peak_rss_mb", beyond.results),
            (axes_row[1], "relist_peak_rss_mb", relisted),
        ):
            xs, ys = _series(rows, name, field)
            if xs:
                axes.plot(xs, ys, **hollow, **STYLE[name])
    pages = [d for d in beyond.dashboard if not d.get("error")]
    if pages and len(axes_row) > 2:
        style = STYLE["crscope"]
        xs = [d["objects"] for d in pages]
        for key in ("home_p50_ms", "list_p99_ms"):
            axes_row[2].plot(xs, [d[key] for d in pages], **hollow, **style)


def caption_for(machine: dict[str, Any], meta: dict[str, Any]) -> str:
    return (
        f"{meta['date']}: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']} GB; "
        f"Python {machine['python']}, client-go {machine['client_go']}, kube-apiserver "
        f"{machine['kube_apiserver']}; `{meta['command']}`"
    )


def main(argv: Sequence[str] | None = None) -> int:
    (path,) = argv if argv is not None else sys.argv[1:]
    json_path = Path(path)
    results, machine, meta, _ = load_results(json_path)
    scale_plot(
        results,
        caption=caption_for(machine, meta),
        path=json_path.with_suffix(".png"),
        dashboard=load_dashboard(json_path),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
