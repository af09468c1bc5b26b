"""Change-to-DOM latency of the live list page in headless Chromium, under write load.

    python -m benchmarks.ui_latency --pages 1 --viewers 49 --rate 200 --seconds 10
    python -m benchmarks.ui_latency --all        # 1 page + 49 viewers, and 1 page alone, @ 200/s

Method (one local kube-apiserver, one real dashboard server, Debian's Chromium):

* One fresh namespace per scenario with N widgets (N >= 100, enough that no object is
  patched more than 98 times, so every (object, spec.size) pair in a run is unique).
* P pages (one browser context each) open the list page for that namespace with
  ``limit=200`` and wait until ``#conn[data-state=live]``. V protocol-level viewers
  (``benchmarks/ws_viewers.py``, one separate process) open the same page's socket and ack
  like it: they load the server as V more tabs would, at a fraction of a browser's CPU.
  Latency is measured on the Chromium pages only; the viewers' own receive times show
  whether they kept up.
* A MutationObserver on ``document.body`` records, for every ``#rows tr`` that is added or
  changed, the first time each token ``<name>|<size column text>`` is seen, as
  ``performance.timeOrigin + performance.now()`` (DOM mutation time, not paint time).
  The browser-to-Python clock offset is measured per page and subtracted.
* A driver with W threads sends merge patches ``{"spec": {"size": s}}`` on a fixed schedule
  of R/s for the given seconds; each patch makes a new token. The send time is
  ``time.time()`` taken immediately *before* the PATCH request is sent, so
  latency = DOM time - send time (it includes the apiserver write, the watch event, the
  server's ~75 ms batch window, rendering, the WebSocket and the htmx swap).
* The server coalesces per object within a batch, so not every token reaches the DOM:
  only tokens that appear are measured; their count is reported.
* Server CPU: utime+stime of the daphne process (``/proc/<pid>/stat``) over the load window
  plus a drain period, divided by the number of changes written, by the number of row
  updates the pages observed (sum over pages of tokens seen, a proxy for pushed updates),
  and by the number of viewers (pages + protocol viewers) over the window.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from benchmarks.delivery import DeliveryProcess
from benchmarks.ws_viewers import ViewerProcess
from devkit.chromium import CHROMIUM, LAUNCH_ARGS
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.controlplane.samples import WIDGET, apply_crds, ensure_namespace, sample_object
from devkit.dashboard_server import DashboardServer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
LIST = "/k/demo.crscope.dev/widgets/"
#: (Chromium pages, protocol viewers, changes/s): the goal's 50 viewers, then one page alone
SCENARIOS = [(1, 49, 200), (1, 0, 200)]
#: live sockets allowed per user: every viewer is the same (loopback) user here
WS_PER_USER = 200
MAX_PATCHES_PER_OBJECT = 98  # sizes are 1..100; the initial value plus 98 new ones fit

# Injected into every page: token -> [first time seen (0 for rows present at injection),
# the server's send time of the message that carried it (#live-meta data-at, in ms)].
PROBE_JS = r"""
() => {
  const seen = new Map();
  window.__uiLatency = seen;
  window.__uiMessages = 0;
  document.addEventListener('crscope:applied', () => { window.__uiMessages++; });
  const now = () => performance.timeOrigin + performance.now();
  const scan = (tr, t) => {
    if (!tr.closest('#rows') || tr.classList.contains('leaving')) return;
    const name = tr.querySelector('td.name');
    const size = tr.querySelector('td.col-integer');
    if (!name || !size) return;
    const key = name.textContent.trim() + '|' + size.textContent.trim();
    if (seen.has(key)) return;
    const meta = document.getElementById('live-meta');
    const at = meta ? parseFloat(meta.getAttribute('data-at')) * 1000 : 0;
    seen.set(key, [t, at]);
    if (t) window.__uiLast = Date.now();
  };
  document.querySelectorAll('#rows tr').forEach(tr => scan(tr, 0));
  const rowOf = n => {
    if (!n) return null;
    const el = n.nodeType === 1 ? n : n.parentElement;
    return el ? el.closest('tr') : null;
  };
  new MutationObserver(muts => {
    const t = now();
    const rows = new Set();
    for (const m of muts) {
      const r = rowOf(m.target);
      if (r) rows.add(r);
      for (const n of m.addedNodes) {
        if (n.nodeType !== 1) { const p = rowOf(n); if (p) rows.add(p); continue; }
        if (n.tagName === 'TR') rows.add(n);
        n.querySelectorAll('tr').forEach(x => rows.add(x));
      }
    }
    rows.forEach(r => scan(r, t));
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
  return seen.size;
}
"""


@dataclass
class Result:
    pages: int
    target_rate: int
    seconds: float
    objects: int
    workers: int
    viewers: int = 0
    sent: int = 0
    errors: int = 0
    achieved_rate: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # parallel to latencies_ms
    to_send_ms: list[float] = field(default_factory=list)  # PATCH sent -> server sent it
    # PATCH sent -> a bare watch had the event (every write; benchmarks/delivery.py)
    delivered_ms: list[float] = field(default_factory=list)
    # per token on a page: bare watch had it -> the dashboard sent it (the server's share)
    delivered_to_send_ms: list[float] = field(default_factory=list)
    delivery_restarts: int = 0
    per_page_seen: list[int] = field(default_factory=list)
    cpu_s: float = 0.0
    idle_cpu_pct: float = 0.0
    max_clock_offset_ms: float = 0.0
    drain_s: float = 0.0
    browser_cpu_s: float = 0.0
    # renderer main-thread seconds summed over pages (CDP Performance.getMetrics)
    main_thread: dict[str, float] = field(default_factory=dict)
    page_messages: list[int] = field(default_factory=list)  # per page, during load + drain
    # per protocol viewer, during load + drain: messages received, acks sent, tokens seen
    viewer_messages: list[int] = field(default_factory=list)
    viewer_acks: list[int] = field(default_factory=list)
    viewer_seen: list[int] = field(default_factory=list)
    viewer_latencies_ms: list[float] = field(default_factory=list)
    viewer_lag_ms: list[float] = field(default_factory=list)  # receive - data-at
    viewer_errors: list[str] = field(default_factory=list)
    viewers_cpu_s: float = 0.0

    @property
    def window(self) -> float:
        return self.seconds + self.drain_s

    @property
    def cpu_per_viewer_pct(self) -> float:
        """The server's CPU over load + drain per open viewer (page or protocol viewer)."""
        return 100 * self.cpu_s / max(1e-9, self.window) / max(1, self.pages + self.viewers)

    @property
    def observed(self) -> int:
        return len(self.latencies_ms)

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def trend(self) -> tuple[float, float]:
        """p50 of tokens sent in the first and in the last quarter of the load: a rising
        value means a backlog builds up somewhere between the apiserver and the DOM."""
        if not self.sent_at:
            return float("nan"), float("nan")
        lo, hi = min(self.sent_at), max(self.sent_at)
        q = (hi - lo) / 4
        pairs = list(zip(self.sent_at, self.latencies_ms, strict=True))
        first = [lat for t, lat in pairs if t <= lo + q]
        last = [lat for t, lat in pairs if t >= hi - q]
        return percentile(first, 50), percentile(last, 50)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # after "pid (comm)": fields[11] = utime, fields[12] = stime (stat fields 14 and 15)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chromium_cpu_seconds() -> float:
    """utime+stime of every process named chromium* (the browser and its renderers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.find("(") + 1 : text.rfind(")")]
        if comm.startswith(("chromium", "chrome")):
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_quiet(pages: list[Page], *, quiet: float = 3.0, cap: float = 180.0) -> float:
    """Wait until no page has seen a new token for `quiet` s (at most `cap` s)."""
    start = time.time()
    while time.time() - start < cap:
        last = max(p.evaluate("() => window.__uiLast || 0") for p in pages) / 1000
        if time.time() - last >= quiet:
            break
        time.sleep(1)
    return time.time() - start


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return (
        f"{model}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GB RAM, "
        f"Linux {platform.release()}; Python {platform.python_version()}"
    )


# -- load ------------------------------------------------------------------------------------
class Driver:
    """Sends patch slot i at t0 + i/rate from `workers` threads (each its own connection)."""

    def __init__(self, kubeconfig: Path, namespace: str, objects: list[tuple[str, int]]) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.objects = objects  # (name, initial size)
        self.sent: dict[str, float] = {}  # token -> time.time() just before the PATCH
        self.errors = 0
        self.completed = 0
        self._lock = threading.Lock()

    def token(self, slot: int) -> tuple[str, int]:
        name, initial = self.objects[slot % len(self.objects)]
        k = slot // len(self.objects)  # k-th patch of this object, 0-based
        return name, (initial - 1 + k + 1) % 100 + 1

    def run(self, rate: float, seconds: float, workers: int) -> tuple[float, float]:
        t0 = time.time() + 0.2
        deadline = t0 + seconds
        total = int(rate * seconds)
        last_done = [t0]

        def work(w: int) -> None:
            kube = KubeHTTP.from_kubeconfig(self.kubeconfig)
            try:
                for slot in range(w, total, workers):
                    due = t0 + slot / rate
                    now = time.time()
                    if now >= deadline:
                        return  # behind schedule: stop at the deadline anyway
                    if due > now:
                        time.sleep(due - now)
                    name, size = self.token(slot)
                    key = f"{name}|{size}"
                    sent_at = time.time()
                    try:
                        kube.request(
                            "PATCH",
                            WIDGET.object_path(name, self.namespace),
                            body={"spec": {"size": size}},
                            content_type=MERGE_PATCH,
                        )
                    except Exception:
                        with self._lock:
                            self.errors += 1
                        continue
                    done = time.time()
                    with self._lock:
                        self.sent[key] = sent_at
                        self.completed += 1
                        last_done[0] = max(last_done[0], done)
            finally:
                kube.close()

        threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return t0, last_done[0]


# -- one scenario ----------------------------------------------------------------------------
def run_scenario(
    browser: Browser,
    server: DashboardServer,
    kubeconfig: Path,
    *,
    pages: int,
    rate: int,
    seconds: float,
    workers: int,
    tag: str,
    viewers: int = 0,
) -> Result:
    """``pages`` Chromium pages and ``viewers`` protocol viewers on one live list while
    ``rate`` changes/s are written; latency is measured on the pages."""
    assert server._proc is not None
    pid = server._proc.pid
    n_objects = max(100, -(-int(rate * seconds) // MAX_PATCHES_PER_OBJECT))
    result = Result(pages, rate, seconds, n_objects, workers, viewers)
    kube = KubeHTTP.from_kubeconfig(kubeconfig)
    namespace = f"uilat-{tag}-{int(time.time()) % 100000}"
    ensure_namespace(kube, namespace)
    rng = random.Random(f"{namespace}")
    objects: list[tuple[str, int]] = []
    for i in range(n_objects):
        obj = sample_object(WIDGET, namespace=namespace, rng=rng)
        obj["metadata"]["name"] = f"w{i:04d}"
        created = kube.request("POST", WIDGET.collection_path(namespace), body=obj)
        objects.append((created["metadata"]["name"], int(created["spec"]["size"])))
    kube.close()
    print(f"[{tag}] {n_objects} widgets in {namespace}; opening {pages} pages", flush=True)

    contexts, opened = [], []
    url = f"{server.url}{LIST}?namespace={namespace}&limit=200"
    for _ in range(pages):
        ctx = browser.new_context(
            viewport={"width": 1280, "height": 800},
            reduced_motion="reduce" if os.environ.get("UILAT_REDUCE") else "no-preference",
        )
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        page.goto(url, wait_until="domcontentloaded")
        contexts.append(ctx)
        opened.append(page)
    for page in opened:
        page.wait_for_selector("#conn[data-state=live]", timeout=60_000)
        page.wait_for_function(f"document.querySelectorAll('#rows tr').length >= {n_objects}")
    crowd = ViewerProcess(url, viewers) if viewers else None
    if crowd is not None:
        print(f"[{tag}] {viewers} protocol viewers: {crowd.wait_ready()}", flush=True)
    delivery = DeliveryProcess(kubeconfig, WIDGET.collection_path(namespace))
    delivered: dict[str, float] = {}
    try:
        delivery.wait_ready()
        offsets = []
        for page in opened:
            page.evaluate(PROBE_JS)
            offsets.append(clock_offset(page))
        result.max_clock_offset_ms = max(abs(o) for o in offsets) * 1000
        offset_ms = result.max_clock_offset_ms
        print(f"[{tag}] all pages live; max clock offset {offset_ms:.2f} ms", flush=True)

        idle0, c0 = time.time(), proc_cpu_seconds(pid)
        time.sleep(3)
        result.idle_cpu_pct = 100 * (proc_cpu_seconds(pid) - c0) / (time.time() - idle0)

        sessions = []
        for page in opened:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            sessions.append(cdp)
        before = sum_metrics(sessions)
        driver = Driver(kubeconfig, namespace, objects)
        for page in opened:
            page.evaluate("() => { window.__uiMessages = 0; }")
        started = time.time()
        cpu0, bcpu0 = proc_cpu_seconds(pid), chromium_cpu_seconds()
        vcpu0 = proc_cpu_seconds(crowd.pid) if crowd is not None else 0.0
        t0, t_last = driver.run(rate, seconds, workers)
        result.drain_s = wait_quiet(opened)  # until the last updates have reached every page
        result.cpu_s = proc_cpu_seconds(pid) - cpu0
        if crowd is not None:
            result.viewers_cpu_s = proc_cpu_seconds(crowd.pid) - vcpu0
        result.browser_cpu_s = chromium_cpu_seconds() - bcpu0
        after = sum_metrics(sessions)
        result.page_messages = [page.evaluate("() => window.__uiMessages") for page in opened]
        if crowd is not None:
            collect_viewers(result, crowd.stop(), driver.sent, started)
        watched = delivery.stop()
        delivered = watched["tokens"]
        result.delivery_restarts = watched["restarts"]
    finally:
        if crowd is not None:
            crowd.close()  # a no-op once stopped
        delivery.close()
    result.delivered_ms = [
        1000 * (delivered[key] - at) for key, at in driver.sent.items() if key in delivered
    ]
    result.main_thread = {k: after[k] - before.get(k, 0.0) for k in after}
    result.sent, result.errors = driver.completed, driver.errors
    result.achieved_rate = driver.completed / max(1e-9, t_last - t0)

    for page, offset in zip(opened, offsets, strict=True):
        seen: dict[str, list[float]] = page.evaluate(
            "() => Object.fromEntries([...window.__uiLatency].filter(([k, v]) => v[0] > 0))"
        )
        count = 0
        for key, (t_dom, server_at) in seen.items():
            sent_at = driver.sent.get(key)
            if sent_at is None:
                continue
            result.latencies_ms.append((t_dom / 1000 - offset - sent_at) * 1000)
            result.sent_at.append(sent_at)
            result.to_send_ms.append(server_at - sent_at * 1000)
            if key in delivered:
                result.delivered_to_send_ms.append(server_at - delivered[key] * 1000)
            count += 1
        result.per_page_seen.append(count)
    for ctx in contexts:
        ctx.close()
    print(f"[{tag}] " + row(result), flush=True)
    return result


def collect_viewers(
    result: Result, report: dict[str, Any], sent: dict[str, float], started: float
) -> None:
    """The protocol viewers' side of the run: what each got and acked from the start of
    the load, when each change reached it, and how long after the server sent it."""
    for viewer in report["viewers"]:
        if viewer["error"]:
            result.viewer_errors.append(viewer["error"])
        elif viewer["close_code"] not in (None, 1000):  # 1000: this side closed, at the end
            result.viewer_errors.append(f"the server closed the socket ({viewer['close_code']})")
        received = [(t, at, acked) for t, at, acked in viewer["messages"] if t >= started]
        result.viewer_messages.append(len(received))
        result.viewer_acks.append(sum(1 for _, _, acked in received if acked))
        result.viewer_lag_ms += [1000 * (t - at) for t, at, _ in received if at]
        seen = [(t, sent[key]) for key, t in viewer["tokens"].items() if key in sent]
        result.viewer_latencies_ms += [1000 * (t - sent_at) for t, sent_at in seen]
        result.viewer_seen.append(len(seen))


MAIN_THREAD = ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")


def sum_metrics(sessions: list[Any]) -> dict[str, float]:
    """Renderer main-thread time (seconds) by category, summed over the pages' sessions."""
    total = dict.fromkeys(MAIN_THREAD, 0.0)
    for cdp in sessions:
        for metric in cdp.send("Performance.getMetrics")["metrics"]:
            if metric["name"] in total:
                total[metric["name"]] += float(metric["value"])
    return total


def clock_offset(page: Page) -> float:
    """Browser clock (timeOrigin + now) minus Python's time.time(), in seconds; best of 5."""
    best: tuple[float, float] | None = None
    for _ in range(5):
        before = time.time()
        browser_ms = page.evaluate("() => performance.timeOrigin + performance.now()")
        after = time.time()
        candidate = (after - before, browser_ms / 1000 - (before + after) / 2)
        if best is None or candidate[0] < best[0]:
            best = candidate
    assert best is not None
    return best[1]


# -- report ----------------------------------------------------------------------------------
HEADER = (
    "| Scenario | Pages | Viewers | Target changes/s | Achieved writes/s | Writes (errors) "
    "| Tokens observed | p50 ms | p99 ms | Viewer messages min/median (acked) "
    "| Server CPU % of a core | per viewer | Server CPU ms/change |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def middle(values: list[int]) -> float:
    return statistics.median(values) if values else float("nan")


def row(r: Result) -> str:
    per_change = 1000 * r.cpu_s / r.sent if r.sent else float("nan")
    messages = (
        f"{min(r.viewer_messages)}/{middle(r.viewer_messages):.0f} "
        f"({min(r.viewer_acks)}/{middle(r.viewer_acks):.0f})"
        if r.viewer_messages
        else "-"
    )
    return (
        f"| P={r.pages}+V={r.viewers} @ {r.target_rate}/s | {r.pages} | {r.viewers} "
        f"| {r.target_rate} | {r.achieved_rate:.0f} | {r.sent:,} ({r.errors}) "
        f"| {r.observed:,} ({r.observed / max(1, r.sent * r.pages):.0%}) "
        f"| {r.pct(50):.0f} | {r.pct(99):.0f} | {messages} "
        f"| {100 * r.cpu_s / max(1e-9, r.window):.0f} | {r.cpu_per_viewer_pct:.1f} "
        f"| {per_change:.2f} |"
    )


def summary(r: Result) -> dict[str, Any]:
    """The figures ``make bench`` keeps (JSON-friendly)."""
    window = r.window
    return {
        "pages": r.pages,
        "viewers": r.viewers,
        "target_rate": r.target_rate,
        "achieved_rate": round(r.achieved_rate, 1),
        "writes": r.sent,
        "errors": r.errors,
        "observed": r.observed,
        "p50_ms": round(r.pct(50), 1),
        "p99_ms": round(r.pct(99), 1),
        "to_send_p50_ms": round(percentile(r.to_send_ms, 50), 1),
        "to_send_p99_ms": round(percentile(r.to_send_ms, 99), 1),
        "delivered": len(r.delivered_ms),
        "delivered_p50_ms": round(percentile(r.delivered_ms, 50), 1),
        "delivered_p99_ms": round(percentile(r.delivered_ms, 99), 1),
        "delivered_to_send_p50_ms": round(percentile(r.delivered_to_send_ms, 50), 1),
        "delivered_to_send_p99_ms": round(percentile(r.delivered_to_send_ms, 99), 1),
        "drain_s": round(r.drain_s, 1),
        "server_cpu_pct": round(100 * r.cpu_s / window, 1),
        "chromium_cpu_pct": round(100 * r.browser_cpu_s / window, 1),
        "first_last_quarter_p50_ms": [round(x, 1) for x in r.trend()],
        # the server's CPU per open viewer (Chromium pages and protocol viewers alike)
        "cpu_per_viewer_pct": round(r.cpu_per_viewer_pct, 2),
        "cpu_ms_per_s_per_viewer": round(10 * r.cpu_per_viewer_pct, 1),
        "page_messages_min": min(r.page_messages, default=0),
        "viewer_messages_min": min(r.viewer_messages, default=0),
        "viewer_messages_median": middle(r.viewer_messages),
        "viewer_acks_min": min(r.viewer_acks, default=0),
        "viewer_acks_median": middle(r.viewer_acks),
        "viewer_unacked": sum(r.viewer_messages) - sum(r.viewer_acks),
        "viewer_observed_min": min(r.viewer_seen, default=0),
        "viewer_p50_ms": round(percentile(r.viewer_latencies_ms, 50), 1),
        "viewer_p99_ms": round(percentile(r.viewer_latencies_ms, 99), 1),
        "viewer_lag_p99_ms": round(percentile(r.viewer_lag_ms, 99), 1),
        "viewer_errors": r.viewer_errors[:3],
        "viewers_cpu_pct": round(100 * r.viewers_cpu_s / window, 1),
    }


def delivery_text(r: Result) -> str:
    """The apiserver's share (PATCH to a bare watch) and the dashboard's (the bare watch
    to the dashboard's send), so a reader can tell whose time the latency is."""
    return (
        f"a bare watch had {len(r.delivered_ms):,} of {r.sent:,} writes, p50 / p99 "
        f"{percentile(r.delivered_ms, 50):.0f} / {percentile(r.delivered_ms, 99):.0f} ms from "
        f"the PATCH ({r.delivery_restarts} restarts); from there to the server sending the "
        f"row p50 / p99 {percentile(r.delivered_to_send_ms, 50):.0f} / "
        f"{percentile(r.delivered_to_send_ms, 99):.0f} ms"
    )


def viewers_text(r: Result) -> str:
    return (
        f" Protocol viewers: messages per viewer min/median {min(r.viewer_messages)}/"
        f"{middle(r.viewer_messages):.0f} (the page applied {min(r.page_messages, default=0)})"
        f", acked min/median {min(r.viewer_acks)}/{middle(r.viewer_acks):.0f}; changes seen "
        f"per viewer min {min(r.viewer_seen, default=0)}, p50 / p99 from the PATCH "
        f"{percentile(r.viewer_latencies_ms, 50):.0f} / "
        f"{percentile(r.viewer_latencies_ms, 99):.0f} ms; p99 from the server's send to "
        f"receipt {percentile(r.viewer_lag_ms, 99):.0f} ms; errors {len(r.viewer_errors)}; "
        f"their process used {100 * r.viewers_cpu_s / max(1e-9, r.window):.0f}% of one core."
    )


def main_thread_text(r: Result) -> str:
    m = r.main_thread
    task = m.get("TaskDuration", 0.0)
    if not task:
        return "not measured"
    parts = ", ".join(
        f"{name.removesuffix('Duration').lower()} {100 * m.get(name, 0.0) / task:.0f}%"
        for name in MAIN_THREAD[1:]
    )
    return f"busy {task:.1f} s in all ({parts} of it)"


def render(results: list[Result], chromium: str, when: str) -> str:
    lines = [HEADER, *(row(r) for r in results), ""]
    notes = []
    for r in results:
        notes.append(
            f"P={r.pages}+V={r.viewers} @ {r.target_rate}/s: {r.objects} widgets, "
            f"{r.workers} writer threads, "
            f"{r.seconds:g} s of load; tokens per page min/max {min(r.per_page_seen, default=0)}"
            f"/{max(r.per_page_seen, default=0)}; pages quiet {r.drain_s:.0f} s after the load "
            f"ended; server CPU {r.cpu_s:.1f} s over load + drain "
            f"({100 * r.cpu_s / (r.seconds + r.drain_s):.0f}% of one core; idle with pages open "
            f"{r.idle_cpu_pct:.0f}%); Chromium CPU {r.browser_cpu_s:.0f} s "
            f"({100 * r.browser_cpu_s / (r.seconds + r.drain_s):.0f}% of one core); "
            f"page main threads {main_thread_text(r)}; "
            f"p50 / p99 from the PATCH to the server sending the row "
            f"{percentile(r.to_send_ms, 50):.0f} / {percentile(r.to_send_ms, 99):.0f} ms; "
            f"{delivery_text(r)}; "
            f"p50 of the first / last quarter of the load "
            f"{r.trend()[0]:.0f} / {r.trend()[1]:.0f} ms; max browser/Python clock offset "
            f"{r.max_clock_offset_ms:.1f} ms." + (viewers_text(r) if r.viewers else "")
        )
    lines += [f"- {n}" for n in notes]
    lines += [
        "",
        "Latency = first appearance of a unique `spec.size` value in the row's Size cell "
        "(MutationObserver, DOM mutation time) minus the wall-clock time just before the PATCH "
        'was sent. "Tokens observed" counts (page, token) pairs that reached the DOM; the '
        "percentage is of writes x pages (the server batches every ~75 ms and coalesces per "
        "object, so intermediate values can be skipped). Viewers (V) are protocol-level clients "
        "that subscribe and ack like the page (`benchmarks/ws_viewers.py`); server CPU per "
        "viewer is the dashboard's CPU over load + drain divided by P + V. The apiserver, "
        "etcd, the dashboard, Chromium, the viewers and the load generator all share the "
        "machine.",
        "",
        f"Machine: {machine()}; Chromium {chromium} (headless); run {when} "
        f"(load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}).",
    ]
    return "\n".join(lines)


def write_outputs(body: str) -> Path:
    """The results file only: the README's table comes from ``make bench``, which runs
    this benchmark's scenarios on the 50k-object data."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"ui-latency-{dt.date.today().isoformat()}.md"
    path.write_text(
        "# Live UI latency (change to DOM)\n\n"
        "`python -m benchmarks.ui_latency --all` (see the module docstring for the method).\n\n"
        + body
        + "\n"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20, help="headless Chromium pages")
    parser.add_argument("--viewers", type=int, default=0, help="protocol-level viewers")
    parser.add_argument("--rate", type=int, default=200, help="target changes/s")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--workers", type=int, default=24, help="writer threads")
    parser.add_argument(
        "--all", action="store_true", help="1 page + 49 viewers, and 1 page alone, @ 200/s"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; no files")
    args = parser.parse_args(argv)
    scenarios = SCENARIOS if args.all else [(args.pages, args.viewers, args.rate)]
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")

    work = Path(tempfile.mkdtemp(prefix="crscope-uilat-"))
    cp = ControlPlane().start()
    server: DashboardServer | None = None
    results: list[Result] = []
    try:
        kubeconfig = cp.kubeconfig_path("admin")
        kube = KubeHTTP.from_kubeconfig(kubeconfig)
        apply_crds(kube)
        kube.close()
        server = DashboardServer(
            kubeconfig=kubeconfig,
            workdir=work / "dashboard",
            extra_env={"CRSCOPE_WS_MAX_PER_USER": str(WS_PER_USER)},
        ).start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                for i, (pages, viewers, rate) in enumerate(scenarios):
                    results.append(
                        run_scenario(
                            browser,
                            server,
                            kubeconfig,
                            pages=pages,
                            viewers=viewers,
                            rate=rate,
                            seconds=args.seconds,
                            workers=args.workers,
                            tag=f"s{i}",
                        )
                    )
                chromium = browser.version
            finally:
                browser.close()
    finally:
        if server is not None:
            server.stop()
        cp.stop()

    body = render(results, chromium, when)
    print("\n" + body)
    if not args.no_write:
        path = write_outputs(body)
        print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
