"""Turn results into the Markdown table, the results file and the README section.

Why ratios against client-go: absolute numbers move with the machine (and these machines
are shared); the ratio to the reference implementation measured minutes apart on the same
apiserver and data is what a reader can compare across runs. ``python -m benchmarks.report
RUN.json`` re-renders a run's Markdown, e.g. after the profile notes were updated.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.gobuild import MODULE_DIR, go_version
from benchmarks.measure import Result, StepOutcome
from benchmarks.profile_notes import PROFILE_NOTES

README_START = "<!-- bench:informers:start -->"
README_END = "<!-- bench:informers:end -->"
REFERENCE = "client-go"


def machine_info(*, apiserver_version: str) -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": round(_mem_total_kb() / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "go": go_version(),
        "client_go": _client_go_version(),
        "kube_apiserver": apiserver_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_kb() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _client_go_version() -> str:
    match = re.search(r"k8s.io/client-go (v\S+)", (MODULE_DIR / "go.mod").read_text())
    return match.group(1) if match else "unknown"


def describe_machine(m: dict[str, Any]) -> str:
    peak_load = m.get("load_average_max")
    peak = f"; highest 1-min load during the run: {peak_load}" if peak_load is not None else ""
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Linux {m['kernel']}; "
        f"Python {m['python']}, {m['go']}, client-go {m['client_go']}, "
        f"kube-apiserver {m['kube_apiserver']} (load average at start: "
        f"{', '.join(str(x) for x in m['load_average'])}{peak})"
    )


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _ratio(value: float | None, reference: float | None) -> str:
    if value is None or reference is None or reference <= 0:
        return "-"
    return f"{value / reference:.2f}x"


def _absorbed(r: Result) -> str:
    if r.error is not None:
        return "error"
    if r.max_events_per_s is None:
        if r.absorbed_all_steps:
            return "apiserver-bound"
        first = r.steps[0].achieved_rate if r.steps else None
        return f"< {first:.0f}" if first else "-"
    prefix = "≥ " if r.absorbed_all_steps else ""
    return f"{prefix}{r.max_events_per_s:.0f}"


def _ceiling(cpu_us_per_event: float | None) -> str:
    """Events/s one core could absorb at this CPU cost: an estimate, labelled as such."""
    if not cpu_us_per_event:
        return "-"
    return f"~{1e6 / cpu_us_per_event:,.0f}"


def results_table(results: Sequence[Result]) -> str:
    header = (
        "| Objects | Contender | Sync s | Peak RSS MB | Steady RSS MB | KB/object "
        "| Max events/s absorbed | CPU µs/event | 1-core ceiling events/s "
        "| Sync vs client-go | KB/object vs client-go |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    refs = {r.objects: r for r in results if r.contender == REFERENCE and r.error is None}
    rows = []
    for r in results:
        ref = refs.get(r.objects)
        rows.append(
            f"| {r.objects:,} | {r.contender} | {_num(r.sync_s, '.2f')} "
            f"| {_num(r.peak_rss_mb, '.0f')} | {_num(r.steady_rss_mb, '.0f')} "
            f"| {_num(r.kb_per_object, '.1f')} | {_absorbed(r)} "
            f"| {_num(r.cpu_us_per_event, '.0f')} | {_ceiling(r.cpu_us_per_event)} "
            f"| {_ratio(r.sync_s, ref.sync_s if ref else None)} "
            f"| {_ratio(r.kb_per_object, ref.kb_per_object if ref else None)} |"
        )
    return header + "\n".join(rows) + "\n"


def steps_table(results: Sequence[Result]) -> str:
    lines = [
        "| Objects | Contender | target → written/s: apiserver delivered after / contender lag |",
        "|---:|---|---|",
    ]
    for r in results:
        cells = []
        for s in r.steps:
            api = f"{s.apiserver_lag_s:.2f}s" if s.apiserver_lag_s is not None else "never"
            lag = f"{s.lag_s:.2f}s" if s.lag_s is not None else f"{s.received}/{s.writes}"
            mark = "" if s.kept_up else " ✗"
            if s.terminated_watchers > 0:
                mark += f" ({s.terminated_watchers} watch closed as slow)"
            cells.append(f"{s.target_rate:.0f} → {s.achieved_rate:.0f}: {api} / {lag}{mark}")
        lines.append(f"| {r.objects:,} | {r.contender} | {'; '.join(cells) or r.error or '-'} |")
    return "\n".join(lines) + "\n"


METHOD = """\
Each contender runs in its own process against the same local kube-apiserver and the
same objects (namespaced CRD with a status subresource and printer columns; objects of
{object_bytes} bytes as JSON on average, managedFields from two or three field managers).
*Sync* is from the start command to all objects cached. *Peak RSS* is VmHWM at that
moment; *steady RSS* is VmRSS after a collection that hands free memory back to the OS
(`gc.collect()` + `malloc_trim` in Python, `runtime.GC()` + `debug.FreeOSMemory()` in Go)
and one second of rest; *KB/object* is (steady RSS - RSS before listing) / objects.
*Max events/s absorbed* is the achieved write rate of the fastest load step (patches of
spread objects by a third field manager, open loop, steps of {step_seconds:g} s at
{rates}/s) after which the contender had every event within {catch_up:.0f} s of a near-free
raw watcher, i.e. of the apiserver's own delivery; "≥" means it kept up with every step it
ran, so the apiserver, not the contender, was the limit, and "apiserver-bound" that the
apiserver could not even deliver the first step's events in time. *CPU µs/event*
is the contender's user+system CPU during the load steps divided by the events received,
and *1-core ceiling* is 10^6 / that: an estimate of the rate one core could absorb, for
when the apiserver (which spends ~3 ms of CPU per write of these objects) is the limit.
"""


def results_markdown(
    *, results: Sequence[Result], machine: dict[str, Any], meta: dict[str, Any], notes: str
) -> str:
    method = METHOD.format(**meta)
    return (
        f"# Informer benchmark ({meta['date']})\n\n"
        f"**Machine:** {describe_machine(machine)}.\n\n"
        f"**Run:** `{meta['command']}`, wall time {meta['wall_s'] / 60:.1f} min.\n\n"
        f"{method}\n"
        f"{results_table(results)}\n"
        f"## Load steps\n\n{steps_table(results)}\n"
        f"## Profile notes\n\n{notes}\n"
    )


def readme_section(*, results: Sequence[Result], machine: dict[str, Any], results_file: str) -> str:
    return (
        f"{README_START}\n"
        "### Informer benchmark\n\n"
        "`make bench` loads 1k, 10k and 50k realistic custom resources into a local "
        "kube-apiserver and measures crscope's engine, client-go's dynamic informer and "
        "the official Python client on the same data "
        f"(details and profile notes: [{results_file}]({results_file})).\n\n"
        f"{results_table(results)}\n"
        f"Machine: {describe_machine(machine)}.\n"
        f"{README_END}"
    )


def replace_readme_section(readme: Path, section: str) -> None:
    """Replace the text between the markers, or append the markers at the end."""
    text = readme.read_text() if readme.exists() else ""
    start, end = text.find(README_START), text.find(README_END)
    if start != -1 and end > start:
        text = text[:start] + section + text[end + len(README_END) :]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    readme.write_text(text)


def load_results(path: Path) -> tuple[list[Result], dict[str, Any], dict[str, Any]]:
    """Results, machine and meta from a run's ``.json`` (to re-render after editing notes)."""
    raw = json.loads(path.read_text())
    results = []
    for row in raw["results"]:
        steps = [StepOutcome(**s) for s in row.pop("steps")]
        results.append(Result(**row, steps=steps))
    return results, raw["machine"], raw["meta"]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.report RUN.json``: rewrite RUN.md with the current notes."""
    (path,) = argv if argv is not None else sys.argv[1:]
    json_path = Path(path)
    results, machine, meta = load_results(json_path)
    markdown = results_markdown(results=results, machine=machine, meta=meta, notes=PROFILE_NOTES)
    json_path.with_suffix(".md").write_text(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
