"""``make bench``'s end-to-end part: REST list latency and change-to-DOM latency.

Why after the informer comparison, on the same control plane: the REST numbers are only
meaningful with the largest size cached, and it is already loaded there. The real dashboard
server (daphne) starts against it, caches every benchmark object plus the sample kinds,
and then answers:

* REST: ``GET /api/v1/resources/{group}/{plural}`` from ``CLIENTS`` concurrent client
  processes (closed loop, one kept-alive connection each) while ~``CHURN_RATE`` objects/s of the
  same kind change, so the server's page memo is invalidated all along: the five list
  scenarios, then pages sorted by a printer column, by state and by age. Each is timed
  twice: as the client saw it (queue and network included) and as the server spent it
  (its ``Server-Timing`` header);
* UI: ``benchmarks.ui_latency``'s scenario with P headless Chromium pages and V
  protocol-level viewers (``benchmarks.ws_viewers``) on a live list and R changes/s, for
  each of ``UI_SCENARIOS`` (see that module for the method).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, sync_playwright

from benchmarks import ui_latency
from benchmarks.dataset import BenchKind
from benchmarks.loadgen import LoadGenerator
from devkit.chromium import CHROMIUM, LAUNCH_ARGS
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP as DEMO_GROUP
from devkit.controlplane.samples import apply_crds
from devkit.dashboard_server import DashboardServer

CLIENTS = 20
REQUESTS = 1000
CHURN_RATE = 20.0
#: (Chromium pages, protocol viewers, changes/s): the goal's 50 viewers, one of them a real
#: page (50 browsers do not fit on 2 cores), then that page alone: the difference is what
#: 49 more viewers cost the server.
UI_SCENARIOS = ((1, 49, 200), (1, 0, 200))
UI_SECONDS = 10.0
#: One list tab sorted by a printer column over every object, while this many change per
#: second: what keeping it live costs the server (goal: under a tenth of a core).
SORTED_TAB_RATE = 100.0
SORTED_TAB_SECONDS = 20.0
#: Writers for that churn, enough that the writers do not cap its rate (it is recorded).
TAB_WORKERS = 8
UI_WORKERS = 24


@dataclass
class ApiLatency:
    scenario: str
    matching: int
    requests: int
    p50_ms: float
    p99_ms: float
    per_second: float
    server_p50_ms: float = 0.0  # the server's own time per request (Server-Timing)
    server_p99_ms: float = 0.0


@dataclass
class EndToEnd:
    objects: int
    sync_s: float
    settle_s: float = 0.0
    clients: int = CLIENTS  # the REST conditions, kept with the figures they produced
    churn_rate: float = CHURN_RATE
    api: list[ApiLatency] = field(default_factory=list)
    ui: list[dict[str, Any]] = field(default_factory=list)
    sorted_tab: dict[str, Any] | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _client(url: str, params: dict[str, str], count: int) -> tuple[list[float], list[float], int]:
    """One client process: ``count`` requests on one kept-alive connection; returns what
    each took as seen here and as the server reported it, in seconds."""
    latencies, server, matched = [], [], 0
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            response = session.get(url, params=params, timeout=60)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            server.append(server_seconds(response.headers.get("Server-Timing", "")))
            matched = max(matched, int(response.json()["total"]))
    return latencies, server, matched


def server_seconds(header: str) -> float:
    """``app;dur=12.34`` -> 0.01234; a response without it fails the measure."""
    for metric in header.split(","):
        name, _, rest = metric.strip().partition(";")
        if name == "app" and rest.startswith("dur="):
            return float(rest[4:]) / 1000
    raise ValueError(f"no app duration in Server-Timing {header!r}")


def _ready(barrier: Any) -> int:
    """Wait for every client process: each of ``clients`` such calls blocks until all of
    them run, so they run in as many processes, each with its imports done."""
    barrier.wait(timeout=300)
    return os.getpid()


@contextmanager
def client_pool(clients: int) -> Iterator[ProcessPoolExecutor]:
    """``clients`` started client processes, for as many scenarios as use them.

    Why one pool for all the scenarios: starting 20 Python processes (spawned, each
    importing this module) took 12-20 s of the 2 cores per scenario, about 2 of the
    bench's minutes for 8 scenarios, and measured nothing. Why the barrier: the pool
    spawns its processes on demand, and a trivial task per client returned as soon as the
    first few had started, so until 2026-12-07 each scenario's timing began while the
    rest were still importing: fewer clients at first, and their start-up's CPU taken
    from the server. Now every client is up before the first request.
    """
    context = multiprocessing.get_context("spawn")  # this process runs threads: no fork
    with context.Manager() as manager, ProcessPoolExecutor(clients, mp_context=context) as pool:
        started = set(pool.map(_ready, [manager.Barrier(clients)] * clients))
        if len(started) != clients:  # not the concurrency the figures would claim
            raise RuntimeError(f"{len(started)} of {clients} client processes started")
        yield pool


def measure_api(
    url: str,
    params: dict[str, str],
    *,
    clients: int,
    total: int,
    pool: ProcessPoolExecutor | None = None,
) -> ApiLatency:
    """``total`` requests from ``clients`` concurrent clients; latency as a client sees it.

    Each client is its own process, like real callers: client threads in one process
    would queue behind each other's JSON parsing for the GIL, and that wait would be
    counted as the server's latency. ``pool`` (from ``client_pool(clients)``) is used
    when given, else one is started for this call.
    """
    if pool is None:
        with client_pool(clients) as own:
            return measure_api(url, params, clients=clients, total=total, pool=own)
    with requests.Session() as warm:  # the first requests compile templates, open pools
        for _ in range(3):
            warm.get(url, params=params, timeout=60).raise_for_status()
    each = max(1, total // clients)
    started = time.perf_counter()
    outcomes = list(pool.map(_client, [url] * clients, [params] * clients, [each] * clients))
    wall = time.perf_counter() - started
    latencies = [lat for lats, _, _ in outcomes for lat in lats]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    server = statistics.quantiles(
        [t for _, times, _ in outcomes for t in times], n=100, method="inclusive"
    )
    return ApiLatency(
        scenario="",
        matching=max(m for _, _, m in outcomes),
        requests=len(latencies),
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        per_second=len(latencies) / wall,
        server_p50_ms=server[49] * 1000,
        server_p99_ms=server[98] * 1000,
    )


@contextmanager
def churn(
    kubeconfig: Path, kind: BenchKind, objects: int, rate: float, workers: int = 2
) -> Iterator[list[float]]:
    """Patch spread objects of ``kind`` at about ``rate``/s while the block runs; yields
    the list of each second's achieved rate, filled as it goes."""
    stop = threading.Event()
    load = LoadGenerator(kubeconfig, kind, objects=objects, workers=workers)
    achieved: list[float] = []

    def run() -> None:
        while not stop.is_set():
            achieved.append(load.step(rate, 1.0).achieved_rate)

    writer = threading.Thread(target=run, daemon=True)
    writer.start()
    try:
        yield achieved
    finally:
        stop.set()
        writer.join(30)
        load.close()


def wait_cached(url: str, objects: int, started: float) -> float:
    """Seconds from ``started`` until the API lists all ``objects``."""
    timeout = 300.0
    while time.monotonic() - started < timeout:
        total = requests.get(url, params={"limit": "1"}, timeout=30).json().get("total")
        if total == objects:
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"the dashboard did not cache {objects} objects in {timeout:.0f} s")


def measure_sorted_tab(
    browser: Browser,
    server: DashboardServer,
    kubeconfig: Path,
    kind: BenchKind,
    objects: int,
    *,
    rate: float = SORTED_TAB_RATE,
    seconds: float = SORTED_TAB_SECONDS,
) -> dict[str, Any]:
    """The server's CPU while ``rate`` objects/s change, with one live list tab sorted by a
    printer column over all ``objects`` open, then with none: the difference is the tab's.

    Why both: the churn alone costs the server (the engine's events, history); only the
    rest is what the sorted tab adds, its page recomputed and pushed after each batch.
    """
    assert server._proc is not None
    pid = server._proc.pid
    url = f"{server.url}/k/{kind.group}/{kind.plural}/?sort=-Replicas"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("#conn[data-state=live]", timeout=120_000)
        with churn(kubeconfig, kind, objects, rate, workers=TAB_WORKERS) as achieved:
            time.sleep(2.0)  # the load generator's ramp-up outside the window
            before, started = ui_latency.proc_cpu_seconds(pid), time.monotonic()
            time.sleep(seconds)
            with_tab = (ui_latency.proc_cpu_seconds(pid) - before) / (time.monotonic() - started)
        state = page.get_attribute("#conn", "data-state")
    finally:
        context.close()
    with churn(kubeconfig, kind, objects, rate, workers=TAB_WORKERS) as achieved_without:
        time.sleep(2.0)
        before, started = ui_latency.proc_cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        without = (ui_latency.proc_cpu_seconds(pid) - before) / (time.monotonic() - started)
    rates = achieved[2:] + achieved_without[2:] or achieved + achieved_without
    return {
        "achieved_rate": statistics.median(rates) if rates else 0.0,
        "rate": rate,
        "seconds": seconds,
        "sort": "-Replicas",
        "objects": objects,
        "server_cores_with_tab": with_tab,
        "server_cores_without_tab": without,
        "tab_cores": with_tab - without,
        "connection_after": state,
    }


def _second(server: DashboardServer, list_url: str) -> str:
    """The continue token of page one sorted by age (what "next page" asks for)."""
    page = requests.get(server.url + list_url, params={"sort": "age"}, timeout=60).json()
    return str(page["continue"] or "")


def wait_settled(pid: int, *, say: Callable[[str], None], cap: float = 180.0) -> float:
    """Wait until the server's CPU use drops below a fifth of a core over 2 s.

    Why: right after its first sync the dashboard records every object's first revision
    in history (50k rows at 50k objects). That is start-up work; the REST numbers are
    meant for a server in its steady state.
    """
    started = time.monotonic()
    while time.monotonic() - started < cap:
        before = ui_latency.proc_cpu_seconds(pid)
        time.sleep(2.0)
        if ui_latency.proc_cpu_seconds(pid) - before < 0.4:
            break
    waited = time.monotonic() - started
    say(f"end to end: server settled after {waited:.0f} s")
    return waited


def run_endtoend(
    kubeconfig: Path,
    kind: BenchKind,
    objects: int,
    *,
    say: Callable[[str], None],
    requests_per_scenario: int = REQUESTS,
    api_clients: int = CLIENTS,
    sorted_tab_seconds: float = SORTED_TAB_SECONDS,
    ui_scenarios: tuple[tuple[int, int, int], ...] = UI_SCENARIOS,
    ui_seconds: float = UI_SECONDS,
) -> EndToEnd:
    """Start the dashboard on the loaded data and take both end-to-end measures (the
    keyword arguments shrink the run for the harness's smoke test)."""
    kube = KubeHTTP.from_kubeconfig(kubeconfig)
    apply_crds(kube)  # the UI scenario patches sample Widgets
    kube.close()
    workdir = Path(tempfile.mkdtemp(prefix="crscope-bench-e2e-"))
    server = DashboardServer(
        kubeconfig=kubeconfig,
        workdir=workdir,
        extra_env={
            "CRSCOPE_API_RATE": "0",
            "CRSCOPE_PAGE_RATE": "0",
            "CRSCOPE_INCLUDE_GROUPS": f"{kind.group},{DEMO_GROUP}",
            "CRSCOPE_EVENTS": "off",
            "CRSCOPE_LOG_LEVEL": "WARNING",
            # the UI scenarios' viewers are all one (loopback) user
            "CRSCOPE_WS_MAX_PER_USER": str(ui_latency.WS_PER_USER),
        },
    )
    list_url = f"/api/v1/resources/{kind.group}/{kind.plural}"
    say(f"end to end: starting the dashboard on {objects:,} objects")
    started = time.monotonic()
    server.start(timeout=300)
    try:
        result = EndToEnd(objects, wait_cached(server.url + list_url, objects, started))
        result.clients = api_clients
        say(f"end to end: dashboard cached {objects:,} objects in {result.sync_s:.1f} s")
        assert server._proc is not None
        result.settle_s = wait_settled(server._proc.pid, say=say)
        first = requests.get(server.url + list_url, timeout=30).json()
        scenarios = [
            ("first page (100, by name)", {}),
            ("next page (continue token)", {"continue": first["continue"] or ""}),
            ("one namespace", {"namespace": "bench-3"}),
            ("label + state filter", {"labelSelector": "team=payments", "state": "Current"}),
            ("name search", {"search": "app-0012"}),
            ("sorted by a printer column", {"sort": "-Replicas"}),
            ("sorted by state", {"sort": "state"}),
            ("sorted by age, next page", {"sort": "age", "continue": _second(server, list_url)}),
        ]
        with client_pool(api_clients) as pool, churn(kubeconfig, kind, objects, CHURN_RATE):
            for name, params in scenarios:
                latency = measure_api(
                    server.url + list_url,
                    params,
                    clients=api_clients,
                    total=requests_per_scenario,
                    pool=pool,
                )
                latency.scenario = name
                result.api.append(latency)
                say(
                    f"end to end: REST {name}: p50 {latency.p50_ms:.1f} ms, "
                    f"p99 {latency.p99_ms:.1f} ms"
                )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            try:
                for i, (pages, viewers, rate) in enumerate(ui_scenarios):
                    ui = ui_latency.run_scenario(
                        browser,
                        server,
                        kubeconfig,
                        pages=pages,
                        viewers=viewers,
                        rate=rate,
                        seconds=ui_seconds,
                        workers=UI_WORKERS,
                        tag=f"bench{i}",
                    )
                    result.ui.append(ui_latency.summary(ui) | {"chromium": browser.version})
                say(f"end to end: one sorted tab at {SORTED_TAB_RATE:.0f} changes/s")
                result.sorted_tab = measure_sorted_tab(
                    browser, server, kubeconfig, kind, objects, seconds=sorted_tab_seconds
                )
                say(
                    "end to end: the sorted tab cost "
                    f"{result.sorted_tab['tab_cores'] * 100:.1f} % of a core"
                )
            finally:
                browser.close()
        return result
    finally:
        server.stop()
