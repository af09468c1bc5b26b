"""Turn results into the Markdown table, the results file and the README section.

Why ratios against client-go: absolute numbers move with the machine (and these machines
are shared); the ratio to the reference implementation measured minutes apart on the same
apiserver and data is what a reader can compare across runs. ``python -m benchmarks.report
RUN.json`` re-renders a run's Markdown, e.g. after the profile notes were updated.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.beyond import LABEL, MAIN_RUN, Beyond, beyond, newest_run, provenance
from benchmarks.clone import CLONE_FROM
from benchmarks.contender import ROOT
from benchmarks.gobuild import MODULE_DIR, go_version
from benchmarks.measure import Result
from benchmarks.memory_parts import memory_markdown
from benchmarks.profile_notes import PROFILE_NOTES
from benchmarks.runfile import RESULTS_DIR, load_dashboard, load_results, load_stage

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
    if m.get("apiserver_rss_max_mb"):
        peak += (
            f"; kube-apiserver's highest RSS {m['apiserver_rss_max_mb']:,} MB "
            f"(GOMEMLIMIT={m.get('apiserver_gomemlimit') or 'unset'})"
        )
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


def _relist_peak(r: Result) -> str:
    """The 410 relist's peak RSS; "failed" or "(no 410)" when it is not that measure."""
    if r.relist_error is not None and r.relist_peak_rss_mb is None:
        return "failed"
    peak = _num(r.relist_peak_rss_mb, ".0f")
    return f"{peak} (no 410)" if r.relist_error is not None else peak


def results_table(results: Sequence[Result]) -> str:
    header = (
        "| Objects | Contender | List mode | Sync s | Peak RSS MB | Steady RSS MB | KB/object "
        "| Relist peak RSS MB | Relist peak / steady (≤ 1.5x) "
        "| Max events/s absorbed | CPU µs/event | 1-core ceiling events/s "
        "| Sync vs client-go | KB/object vs client-go |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    refs = {r.objects: r for r in results if r.contender == REFERENCE and r.error is None}
    rows = []
    for r in results:
        ref = refs.get(r.objects)
        rows.append(
            f"| {r.objects:,} | {r.contender} | {r.list_mode or '-'} | {_num(r.sync_s, '.2f')} "
            f"| {_num(r.peak_rss_mb, '.0f')} | {_num(r.steady_rss_mb, '.0f')} "
            f"| {_num(r.kb_per_object, '.1f')} | {_relist_peak(r)} "
            f"| {_num(r.relist_peak_ratio, '.2f')}{'x' if r.relist_peak_ratio else ''} "
            f"| {_absorbed(r)} "
            f"| {_num(r.cpu_us_per_event, '.0f')} | {_ceiling(r.cpu_us_per_event)} "
            f"| {_ratio(r.sync_s, ref.sync_s if ref else None)} "
            f"| {_ratio(r.kb_per_object, ref.kb_per_object if ref else None)} |"
        )
    return header + "\n".join(rows) + "\n"


def targets_table(
    results: Sequence[Result],
    e2e: dict[str, Any] | None,
    ceiling: dict[str, Any] | None = None,
) -> str:
    """Every target of the performance issue beside what this run measured."""
    e2e = e2e or {}
    largest = max((r.objects for r in results), default=0)
    at = {r.contender: r for r in results if r.objects == largest and r.error is None}
    ours, ref = at.get("crscope"), at.get(REFERENCE)
    rows = ["| Measure | Target | Measured | Met |", "|---|---|---|:-:|"]

    def ratio_row(label: str, ours_v: float | None, ref_v: float | None, unit: str) -> None:
        if ours_v is None or ref_v is None or ref_v <= 0:
            rows.append(f"| {label} | ≤ 1.5x client-go | - | - |")
            return
        ratio = ours_v / ref_v
        measured = f"{ratio:.2f}x ({ours_v:.1f} vs {ref_v:.1f} {unit})"
        rows.append(f"| {label} | ≤ 1.5x client-go | {measured} | {_yes(ratio <= 1.5)} |")

    ratio_row(
        f"Initial sync, {largest:,} objects",
        ours.sync_s if ours else None,
        ref.sync_s if ref else None,
        "s",
    )
    ratio_row(
        "Memory per cached object",
        ours.kb_per_object if ours else None,
        ref.kb_per_object if ref else None,
        "KB",
    )
    rows.append(relist_row(ours, ref))
    if e2e.get("error"):
        rows.append(f"| End-to-end measures | | failed: {e2e['error']} | **no** |")
    if ours is not None and ours.cpu_us_per_event:
        estimate = 1e6 / ours.cpu_us_per_event
        rows.append(
            f"| Events absorbed per second on one core | ≥ 3000 | ~{estimate:,.0f} (1-core "
            f"ceiling from {ours.cpu_us_per_event:.0f} µs CPU/event; absorbed in the load "
            f"steps: {_absorbed(ours)}, the apiserver's limit) | {_yes(estimate >= 3000)} |"
        )
    rows.extend(ceiling_rows(ceiling))
    uis = e2e.get("ui") or []
    if uis:  # the goal's scenario: the most viewers (the others are baselines)
        ui = max(uis, key=lambda u: u["pages"] + u.get("viewers", 0))
        rows.append(
            f"| Change-to-DOM latency, {_audience(ui)}, {ui['target_rate']} changes/s "
            f"| p99 < {DOM_GOAL_MS} ms | p50 {ui['p50_ms']:.0f} / p99 {ui['p99_ms']:.0f} ms on "
            f"Chromium ({ui['achieved_rate']:.0f} writes/s achieved{_per_viewer(ui, uis)}) "
            f"| {_yes(ui['p99_ms'] < DOM_GOAL_MS)} |"
        )
    api = e2e.get("api") or []
    sorted_pages = [a for a in api if a["scenario"].startswith("sorted")]
    lists = [a for a in api if a not in sorted_pages]
    clients = e2e.get("clients", 0)
    for label, group in (("REST list", lists), ("Sorted pages", sorted_pages)):
        if group:
            rows.append(_api_target(f"{label} at {e2e['objects']:,} objects", group, clients))
    tab = e2e.get("sorted_tab")
    if tab:
        achieved = tab.get("achieved_rate")
        reached = achieved is not None and achieved >= 0.9 * tab["rate"]
        met = _yes(tab["tab_cores"] < 0.10) if reached else "unverified"
        rate = (
            f"{achieved:.0f} changes/s achieved"
            if achieved is not None
            else "the churn's achieved rate was not recorded"
        )
        # Two measurements' difference: below zero it is the noise between them.
        cost = f"{tab['tab_cores'] * 100:.1f} %" if tab["tab_cores"] >= 0 else "none measurable"
        rows.append(
            f"| One live tab sorted by a column over {tab['objects']:,} objects, "
            f"{tab['rate']:.0f} changes/s | < 10 % of a core | {cost} "
            f"(server {tab['server_cores_with_tab'] * 100:.0f} % with the tab, "
            f"{tab['server_cores_without_tab'] * 100:.0f} % without; {rate}) | {met} |"
        )
    return "\n".join(rows) + "\n"


API_GOAL_MS = 30.0


def _api_target(label: str, group: list[dict[str, Any]], clients: int) -> str:
    """The goal is the server's time per page (its Server-Timing); what the clients saw,
    the queue of {clients} closed-loop callers on two cores included, is shown beside it.
    Runs from before the header existed have only the clients' figure, judged on it."""
    seen = max(group, key=lambda a: a["p99_ms"])
    timed = [a for a in group if a.get("server_p99_ms")]
    if not timed:
        return (
            f"| {label}, {clients} clients | p99 < {API_GOAL_MS:.0f} ms | slowest of "
            f"{len(group)} ({seen['scenario']}): p99 {seen['p99_ms']:.1f} ms as clients saw "
            f"it | {_yes(seen['p99_ms'] < API_GOAL_MS)} |"
        )
    worst = max(timed, key=lambda a: a["server_p99_ms"])
    return (
        f"| {label}, {clients} concurrent clients | p99 < {API_GOAL_MS:.0f} ms on the server "
        f"| slowest of {len(group)} ({worst['scenario']}): p99 {worst['server_p99_ms']:.1f} ms "
        f"on the server; as the clients saw it, queue included, p99 up to "
        f"{seen['p99_ms']:.0f} ms ({seen['scenario']}) "
        f"| {_yes(worst['server_p99_ms'] < API_GOAL_MS)} |"
    )


RELIST_GOAL = 1.5


def relist_row(ours: Result | None, ref: Result | None) -> str:
    """crscope's peak RSS during the relist a 410 Gone forced, against its steady RSS
    (client-go's beside it, for scale)."""
    label, goal = (
        "Peak RSS during a 410 relist (nothing changed meanwhile)",
        f"≤ {RELIST_GOAL}x steady RSS",
    )

    def peak(r: Result | None) -> str:
        if r is None or (r.relist_peak_ratio is None and r.relist_error is None):
            return "-"
        if r.relist_error is not None or r.relist_peak_ratio is None:
            return f"failed: {r.relist_error}"
        return (
            f"{r.relist_peak_ratio:.2f}x ({r.relist_peak_rss_mb or 0:.0f} vs "
            f"{r.steady_rss_mb or 0:.0f} MB steady)"
        )

    if peak(ours) == "-":
        return f"| {label} | {goal} | - | - |"
    measured = f"{peak(ours)}; client-go {peak(ref)}"
    ratio = ours.relist_peak_ratio if ours is not None and ours.relist_error is None else None
    return f"| {label} | {goal} | {measured} | {_yes(ratio is not None and ratio <= RELIST_GOAL)} |"


CEILING_GOAL = 5000.0


def ceiling_rows(ceiling: dict[str, Any] | None) -> list[str]:
    """The measured event ceiling (benchmarks/ceiling.py) as a targets row."""
    if not ceiling:
        return []
    label = "Event ceiling on one core (a recorded stream replayed)"
    goal = f"≥ {CEILING_GOAL:,.0f}/s and ahead of client-go"
    if ceiling.get("error"):
        return [f"| {label} | {goal} | failed: {ceiling['error']} | **no** |"]
    by = {c["contender"]: c for c in ceiling["contenders"]}
    ours, ref = by.get("crscope"), by.get(REFERENCE)
    if ours is None or ours.get("error"):
        why = ours.get("error") if ours else "not run"
        return [f"| {label} | {goal} | crscope failed: {why} | **no** |"]
    measured = f"{ours['events_per_s']:,.0f}/s"
    met = ours["events_per_s"] >= CEILING_GOAL
    if ref is not None and not ref.get("error"):
        measured += (
            f" vs client-go {ref['events_per_s']:,.0f}/s "
            f"({ours['events_per_s'] / ref['events_per_s']:.2f}x)"
        )
        met = met and ours["events_per_s"] > ref["events_per_s"]
    return [f"| {label} | {goal} | {measured} | {_yes(met)} |"]


CEILING_METHOD = """\
*Event ceiling*: {objects:,} objects were listed and {events:,} watch events recorded from
the apiserver while the load generator patched them ({mib:.1f} MiB of NDJSON, managedFields
included); each contender then synced the same LIST (untimed) and read the same stream as
fast as it could, pinned to one core with `taskset -c 0`: crscope's whole engine through
its ListerWatcher seam (`benchmarks/crscope_replay.py`), client-go's shared informer
through a fake ListerWatcher that decodes as its REST client does
(`benchmarks/clientgo/replay.go`). Both drop managedFields; both leave out only the socket
and HTTP framing. Timed from the stream's release to the handler call of its last event.
"""


def ceiling_markdown(ceiling: dict[str, Any] | None) -> str:
    if not ceiling:
        return ""
    if ceiling.get("error"):
        return f"## Event ceiling\n\nNot measured: {ceiling['error']}\n"
    method = CEILING_METHOD.format(
        objects=ceiling["objects"], events=ceiling["events"], mib=ceiling["stream_bytes"] / 2**20
    )
    lines = [
        "| Contender | Events | Seconds | Events/s | CPU µs/event | Cores |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in ceiling["contenders"]:
        if c.get("error"):
            lines.append(f"| {c['contender']} | failed: {c['error']} | | | | |")
            continue
        per_event = c["cpu_s"] / c["events"] * 1e6 if c["events"] else 0.0
        lines.append(
            f"| {c['contender']} | {c['events']:,} | {c['seconds']:.2f} "
            f"| {c['events_per_s']:,.0f} | {per_event:.0f} | {c['cpus']} |"
        )
    return f"## Event ceiling\n\n{method}\n" + "\n".join(lines) + "\n"


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


DOM_GOAL_MS = 250


def _audience(ui: dict[str, Any]) -> str:
    pages, viewers = ui["pages"], ui.get("viewers", 0)
    shown = f"{pages} Chromium page" + ("s" if pages != 1 else "")
    return f"{shown} + {viewers} viewers" if viewers else shown


def _per_viewer(ui: dict[str, Any], uis: list[dict[str, Any]]) -> str:
    """What one more viewer costs the server: against a run of the same pages at the same
    rate without viewers when there is one (the churn's own cost is not a viewer's), else
    the server's CPU divided by every viewer, said as such."""
    viewers = ui.get("viewers", 0)
    base = [
        u
        for u in uis
        if not u.get("viewers")
        and u["pages"] == ui["pages"]
        and u["target_rate"] == ui["target_rate"]
    ]
    if viewers and base and "server_cpu_pct" in ui:
        each = (ui["server_cpu_pct"] - base[0]["server_cpu_pct"]) / viewers
        return f"; server CPU {each:.2f}% of a core per viewer added"
    cpu = ui.get("cpu_per_viewer_pct")
    return "" if cpu is None else f"; server CPU / viewers {cpu:.1f}% of a core"


def ui_table(e2e: dict[str, Any]) -> str:
    """The change-to-DOM scenarios: latency on Chromium, what the viewers got, server CPU."""
    lines = [
        "| Chromium pages | Protocol viewers | Target changes/s | Achieved writes/s "
        "| p50 ms | p99 ms | Messages per viewer, min / median (acked) "
        "| Server CPU, % of a core | per viewer, % of a core (CPU ms/s) |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for ui in e2e.get("ui") or []:
        got = "-"
        if ui.get("viewers"):
            got = (
                f"{ui['viewer_messages_min']} / {ui['viewer_messages_median']:.0f} "
                f"({ui['viewer_acks_min']} / {ui['viewer_acks_median']:.0f})"
            )
        per = ui.get("cpu_per_viewer_pct")
        per_text = "-" if per is None else f"{per:.1f} ({ui['cpu_ms_per_s_per_viewer']:.1f})"
        lines.append(
            f"| {ui['pages']} | {ui.get('viewers', 0)} | {ui['target_rate']} "
            f"| {ui['achieved_rate']:.0f} | {ui['p50_ms']:.0f} | {ui['p99_ms']:.0f} | {got} "
            f"| {ui['server_cpu_pct']:.0f} | {per_text} |"
        )
    return "\n".join(lines) + "\n"


def dashboard_table(dashboard: Sequence[dict[str, Any]]) -> str:
    """The dashboard at each size: one client, no churn (``benchmarks.dashboard_scale``)."""
    lines = [
        "| Objects | Dashboard cached all in s | Dashboard RSS MB | Home page first / p50 / "
        "p99 ms | List page p50 / p99 ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for d in sorted(dashboard, key=lambda d: d["objects"]):
        if d.get("error"):
            lines.append(f"| {d['objects']:,} | failed: {d['error'][:120]} | | | |")
            continue
        lines.append(
            f"| {d['objects']:,} | {d['sync_s']:.1f} | {d['rss_mb']:.0f} "
            f"| {d['home_first_ms']:.0f} / {d['home_p50_ms']:.0f} / {d['home_p99_ms']:.0f} "
            f"| {d['list_p50_ms']:.0f} / {d['list_p99_ms']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def dashboard_markdown(dashboard: Sequence[dict[str, Any]]) -> str:
    if not dashboard:
        return ""
    return (
        "## The dashboard at each size\n\n"
        "The real dashboard (daphne, one process) started on each size's objects after the "
        "informers were measured, watching only the benchmark's group, Events off. *Cached "
        "all*: from its start to the API listing every object; once its start-up work "
        "(the first history revision of every object) settled, "
        f"{dashboard[0].get('requests', 0)} requests of each page, one after another on one "
        "connection, with nothing changing: how the pages grow with the cache, not with a "
        "queue of clients (the end-to-end stage measures concurrency); *RSS* is read "
        "after those requests.\n\n"
        f"{dashboard_table(dashboard)}\n"
    )


def api_table(e2e: dict[str, Any]) -> str:
    lines = [
        "| REST scenario | Matching | Requests | Server p50 ms | Server p99 ms "
        "| Client p50 ms | Client p99 ms | Requests/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in e2e.get("api") or []:
        server = (
            f"{a['server_p50_ms']:.1f} | {a['server_p99_ms']:.1f}"
            if a.get("server_p99_ms")
            else "n/a | n/a"
        )
        lines.append(
            f"| {a['scenario']} | {a['matching']:,} | {a['requests']} | {server} "
            f"| {a['p50_ms']:.1f} | {a['p99_ms']:.1f} | {a['per_second']:.0f} |"
        )
    return "\n".join(lines) + "\n"


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
crscope and client-go do the same work: both drop managedFields as objects enter the cache
(client-go through `SetTransform`) and fetch the initial state the same way, a streaming
WatchList or paged LISTs (*List mode*, as each contender saw its own list calls; client-go
through its `WatchListClient` gate). client-go's sync wait reads its event handler's add
count and `HasSynced`, never `ListKeys()`. The Python client is a reference, not a rival:
one unpaginated LIST, managedFields kept.
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
*Relist peak* (crscope and client-go) is VmHWM during a relist the apiserver forced, after
every measured phase of the size: each contender is started again, synced and stopped
(above 50k, with no load steps, the process just measured is stopped instead);
the apiserver is killed, etcd's revision moved on and the apiserver started again, so its
fresh watch cache answers a resumed watch 410 Gone ("too old resource version"); then one
contender at a time resumes, with its VmHWM reset to its settled RSS
(`/proc/PID/clear_refs`), and relists. VmHWM is read once every relisted object is
through its cache. Each contender counts the 410s and list calls it saw, and a relist
without a 410 is not reported as this measure (`benchmarks/relist.py`).
"""


E2E_METHOD = """\
*End to end* ({objects:,} objects cached): the real dashboard server (daphne, one process)
started on the loaded data and cached it in {sync_s:.1f} s; measuring began once its
start-up work (recording every object's first revision in history) had settled, after
{settle_s:.0f} s more. *REST list*: `GET
/api/v1/resources/...` from {clients} concurrent client processes, closed loop, {requests} requests
per scenario, while ~{churn:.0f} objects/s of that kind changed (so memoized pages kept
being invalidated); latency both as the server spent it (its `Server-Timing` header: from
the API middleware's start to the response, in the thread Django gives each request's sync
view, so the other requests' turns at the GIL are included but not daphne's parsing, the
hop to the thread or the send) and as the client saw it (all of that, the network and the
other clients' CPU on the same two cores included). *Change-to-DOM*: P headless Chromium
pages and V protocol-level viewers (one process, `benchmarks/ws_viewers.py`: each opens
the page's WebSocket with its cookies and Origin and acks every message as the page does,
so it costs the server what a tab costs) on a live list of 100 Widgets while a driver
patches them at R changes/s; latency from just before the PATCH to the row's new value in
the Chromium pages' DOM (MutationObserver), method in `benchmarks/ui_latency.py`. Server
CPU per viewer is the dashboard's CPU over load + drain divided by P + V. *Sorted tab*:
one Chromium tab on the list of every object sorted by a printer column (`-Replicas`),
live while that many objects change per second; its cost is the dashboard's CPU with the
tab open minus the same churn's without it. Everything, Chromium, the viewers and the
load generators included, shares the machine.
"""


def e2e_markdown(e2e: dict[str, Any] | None) -> str:
    if not e2e:
        return ""
    if e2e.get("error"):
        return f"## End to end\n\nNot measured: {e2e['error']}\n"
    method = E2E_METHOD.format(
        objects=e2e["objects"],
        sync_s=e2e["sync_s"],
        settle_s=e2e.get("settle_s", 0.0),
        clients=e2e["clients"],
        requests=max((a["requests"] for a in e2e.get("api") or []), default=0),
        churn=e2e["churn_rate"],
    )
    ui_text = ui_table(e2e) + "\n" if e2e.get("ui") else ""
    for ui in e2e.get("ui") or []:
        ui_text += (
            f"- Change-to-DOM, {_audience(ui)} at {ui['target_rate']} changes/s: "
            f"{ui['writes']:,} writes ({ui['errors']} errors) at {ui['achieved_rate']:.0f}/s "
            f"achieved; {ui['observed']:,} (page, value) pairs observed; p50 "
            f"{ui['p50_ms']:.0f} ms, p99 {ui['p99_ms']:.0f} ms, of which PATCH to the server "
            f"sending the row p50 {ui['to_send_p50_ms']:.0f} / p99 "
            f"{ui['to_send_p99_ms']:.0f} ms{_delivery_text(ui)}; p50 in the first / last "
            "quarter of the load "
            f"{ui['first_last_quarter_p50_ms'][0]:.0f} / {ui['first_last_quarter_p50_ms'][1]:.0f}"
            f" ms; pages quiet {ui['drain_s']:.0f} s after the load; dashboard CPU "
            f"{ui['server_cpu_pct']:.0f}% and Chromium CPU {ui['chromium_cpu_pct']:.0f}% of "
            f"one core over load + drain; Chromium {ui['chromium']}.{_viewers_text(ui)}\n"
        )
    return f"## End to end\n\n{method}\n{api_table(e2e)}\n{ui_text}"


def _delivery_text(ui: dict[str, Any]) -> str:
    """Whose time the latency is: the apiserver's (the PATCH to a bare watch in its own
    process having the change) and the dashboard's (from there to its send). Runs before
    2026-12-07 evening did not measure it."""
    if "delivered_p99_ms" not in ui:
        return ""
    return (
        f" (a bare watch had the change p50 {ui['delivered_p50_ms']:.0f} / p99 "
        f"{ui['delivered_p99_ms']:.0f} ms after the PATCH, {ui['delivered']:,} of "
        f"{ui['writes']:,} writes; the dashboard sent it p50 "
        f"{ui['delivered_to_send_p50_ms']:.0f} / p99 {ui['delivered_to_send_p99_ms']:.0f} ms "
        "after that)"
    )


def _viewers_text(ui: dict[str, Any]) -> str:
    """Whether the protocol viewers kept up: what each saw, and how late."""
    if not ui.get("viewers"):
        return ""
    errors = ui.get("viewer_errors") or []
    return (
        f" The viewers saw at least {ui['viewer_observed_min']:,} changes each (the page "
        f"applied {ui['page_messages_min']} messages), p50 / p99 from the PATCH "
        f"{ui['viewer_p50_ms']:.0f} / {ui['viewer_p99_ms']:.0f} ms, p99 from the server's "
        f"send to receipt {ui['viewer_lag_p99_ms']:.0f} ms; their process used "
        f"{ui['viewers_cpu_pct']:.0f}% of one core"
        + (f"; errors: {'; '.join(errors)}" if errors else "")
        + "."
    )


def results_markdown(
    *,
    results: Sequence[Result],
    machine: dict[str, Any],
    meta: dict[str, Any],
    notes: str,
    e2e: dict[str, Any] | None = None,
    ceiling: dict[str, Any] | None = None,
    memory: dict[str, Any] | None = None,
    plot_file: str = "",
    dashboard: Sequence[dict[str, Any]] = (),
) -> str:
    """The run's Markdown; ``plot_file`` is the scale curve's PNG, relative to it."""

    method = METHOD.format(**meta)
    plot = f"![Sync time and memory against objects]({plot_file})\n\n" if plot_file else ""
    return (
        f"# Informer benchmark ({meta['date']})\n\n"
        f"**Machine:** {describe_machine(machine)}.\n\n"
        f"**Run:** `{meta['command']}`, wall time {meta['wall_s'] / 60:.1f} min.\n\n"
        f"## Targets\n\n{targets_table(results, e2e, ceiling)}\n"
        f"## Informers\n\n{method}\n"
        f"{results_table(results)}\n"
        f"{plot}"
        f"{dashboard_markdown(dashboard)}"
        f"{memory_markdown(memory)}\n"
        f"{ceiling_markdown(ceiling)}\n"
        f"{e2e_markdown(e2e)}\n"
        f"## Load steps\n\n{steps_table(results)}\n"
        f"## Profile notes\n\n{notes}\n"
    )


def readme_section(
    *,
    results: Sequence[Result],
    machine: dict[str, Any],
    results_file: str,
    e2e: dict[str, Any] | None = None,
    ceiling: dict[str, Any] | None = None,
    plot_file: str = "",
    dashboard: Sequence[dict[str, Any]] = (),
    beyond: Beyond | None = None,
    root: Path = ROOT,
) -> str:
    """The README's section; ``plot_file`` is the scale curve's PNG, from the root;
    ``beyond``'s rows (the newest ``make bench-200k``) follow the run's own, said so."""
    every = [*results, *beyond.results] if beyond else list(results)
    pages = [*dashboard, *beyond.dashboard] if beyond else list(dashboard)
    plot = f"![Sync time and memory against objects]({plot_file})\n\n" if plot_file else ""
    then = (
        "; at 50k it also measures the event ceiling, REST list latency and change-to-DOM "
        "latency, and at every size the dashboard's own sync, memory and page times"
        if e2e
        else ". This run is the informer stage only (`--no-e2e`)"
    )
    return (
        f"{README_START}\n"
        "### Benchmark\n\n"
        f"`make bench` loads {_sizes_text(results)} realistic custom resources into a local "
        f"kube-apiserver (up to {CLONE_FROM // 1000}k through the API, beyond that by copying "
        "stored objects inside etcd: `benchmarks/clone.py`) and measures crscope's engine, "
        "client-go's dynamic informer and, up to 50k, the official Python client on the same "
        "data"
        f"{then} (method, details and profile notes: [{results_file}]({results_file})).\n\n"
        f"{targets_table(results, e2e, ceiling)}\n"
        f"{results_table(every)}\n"
        f"{plot}"
        + (f"{dashboard_table(pages)}\n" if pages else "")
        + (f"{provenance(beyond, root)}\n" if beyond else "")
        + (f"{api_table(e2e)}\n" if e2e and e2e.get("api") else "")
        + f"Machine: {describe_machine(machine)}.\n"
        + f"{README_END}"
    )


def _sizes_text(results: Sequence[Result]) -> str:
    sizes = sorted({r.objects for r in results})
    names = [f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}" for n in sizes]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def replace_readme_section(readme: Path, section: str) -> None:
    """Replace the text between the markers, or append the markers at the end."""
    text = readme.read_text() if readme.exists() else ""
    start, end = text.find(README_START), text.find(README_END)
    if start != -1 and end > start:
        text = text[:start] + section + text[end + len(README_END) :]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    readme.write_text(text)


def write_report(json_path: Path, *, readme: bool = False) -> Path:
    """Draw RUN.png and write RUN.md beside a run's raw numbers (and, with ``readme``, the
    README's section); returns the Markdown's path. ``make bench`` calls it right after
    saving the JSON, and ``main`` to redo it with the current notes: one way to render."""
    from benchmarks.plot import caption_for, scale_plot

    results, machine, meta, e2e = load_results(json_path)
    ceiling = load_stage(json_path, "ceiling")
    dashboard = load_dashboard(json_path)
    caption = caption_for(machine, meta)
    png = scale_plot(
        results, caption=caption, path=json_path.with_suffix(".png"), dashboard=dashboard
    )
    markdown = results_markdown(
        results=results,
        machine=machine,
        meta=meta,
        notes=PROFILE_NOTES,
        e2e=e2e,
        ceiling=ceiling,
        memory=load_stage(json_path, "memory_parts"),
        plot_file=png.name,
        dashboard=dashboard,
    )
    md_path = json_path.with_suffix(".md")
    md_path.write_text(markdown)
    if readme:
        # the README's table and picture reach past this run's sizes, its own report does
        # not: a picture of its own, so the run's report never shows rows it lacks
        larger = beyond(results, json_path.parent)
        picture = png
        if larger is not None:
            picture = scale_plot(
                results,
                caption=f"{caption}; hollow: `make bench-{LABEL}` on {larger.meta['date']}",
                path=json_path.with_name(f"{json_path.stem}-with-{LABEL}.png"),
                dashboard=dashboard,
                beyond=larger,
            )
        section = readme_section(
            results=results,
            machine=machine,
            results_file=str(md_path.resolve().relative_to(ROOT)),
            e2e=e2e,
            ceiling=ceiling,
            plot_file=str(picture.resolve().relative_to(ROOT)),
            dashboard=dashboard,
            beyond=larger,
        )
        replace_readme_section(ROOT / "README.md", section)
    return md_path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.report [RUN.json] [--readme]``: redraw RUN.png and rewrite
    RUN.md with the current notes (and, with ``--readme``, the README's section) from a
    run's raw numbers, without measuring again. Without RUN.json, the newest ``make bench``
    run (what ``make bench-200k`` redraws after it)."""
    args = list(argv if argv is not None else sys.argv[1:])
    paths = [a for a in args if a != "--readme"]
    path = Path(paths[0]) if paths else newest_run(RESULTS_DIR, MAIN_RUN)
    if path is None or len(paths) > 1:
        print("usage: python -m benchmarks.report [RUN.json] [--readme]", file=sys.stderr)
        return 2
    print(f"[report] {write_report(path, readme='--readme' in args)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
