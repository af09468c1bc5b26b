"""``make bench``'s end-to-end part: REST list latency and change-to-DOM latency.

Why after the informer comparison, on the same control plane: the REST numbers are only
meaningful with the largest size cached, and it is already loaded there. The real dashboard
server (daphne) starts against it, caches every benchmark object plus the sample kinds,
and then answers:

* REST: ``GET /api/v1/resources/{group}/{plural}`` from ``CLIENTS`` concurrent client
  processes (closed loop, one kept-alive connection each) while ~``CHURN_RATE`` objects/s of the
  same kind change, so the server's page memo is invalidated all along;
* UI: ``benchmarks.ui_latency``'s scenario with P headless Chromium pages on a live list
  and R changes/s, for each of ``UI_SCENARIOS`` (see that module for the method).
"""

from __future__ import annotations

import multiprocessing
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
from playwright.sync_api import sync_playwright

from benchmarks import ui_latency
from benchmarks.dataset import BenchKind
from benchmarks.loadgen import LoadGenerator
from devkit.chromium import CHROMIUM, LAUNCH_ARGS
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP as DEMO_GROUP
from devkit.controlplane.samples import apply_crds
from devkit.dashboard_server import DashboardServer

CLIENTS = 4
REQUESTS = 400
CHURN_RATE = 20.0
#: (pages, changes/s): the target's scenario, then a lighter one that fits a 2-core machine
#: (at ~3 ms of apiserver CPU per write, 500 writes/s alone need 1.5 cores).
UI_SCENARIOS = ((50, 500), (10, 100))
UI_SECONDS = 10.0
UI_WORKERS = 24


@dataclass
class ApiLatency:
    scenario: str
    matching: int
    requests: int
    p50_ms: float
    p99_ms: float
    per_second: float


@dataclass
class EndToEnd:
    objects: int
    sync_s: float
    settle_s: float = 0.0
    clients: int = CLIENTS  # the REST conditions, kept with the figures they produced
    churn_rate: float = CHURN_RATE
    api: list[ApiLatency] = field(default_factory=list)
    ui: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _client(url: str, params: dict[str, str], count: int) -> tuple[list[float], int]:
    """One client process: ``count`` requests on one kept-alive connection."""
    latencies, matched = [], 0
    with requests.Session() as session:
        for _ in range(count):
            started = time.perf_counter()
            response = session.get(url, params=params, timeout=60)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            matched = max(matched, int(response.json()["total"]))
    return latencies, matched


def _ready(_: int) -> None:
    """Nothing: mapping it starts the client processes."""


def measure_api(url: str, params: dict[str, str], *, clients: int, total: int) -> ApiLatency:
    """``total`` requests from ``clients`` concurrent clients; latency as a client sees it.

    Each client is its own process, like real callers: client threads in one process
    would queue behind each other's JSON parsing for the GIL, and that wait would be
    counted as the server's latency.
    """
    with requests.Session() as warm:  # the first requests compile templates, open pools
        for _ in range(3):
            warm.get(url, params=params, timeout=60).raise_for_status()
    each = max(1, total // clients)
    context = multiprocessing.get_context("spawn")  # this process runs threads: no fork
    with ProcessPoolExecutor(clients, mp_context=context) as pool:
        list(pool.map(_ready, range(clients)))  # start-up and imports outside the timing
        started = time.perf_counter()
        outcomes = list(pool.map(_client, [url] * clients, [params] * clients, [each] * clients))
        wall = time.perf_counter() - started
    latencies = [lat for lats, _ in outcomes for lat in lats]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return ApiLatency(
        scenario="",
        matching=max(m for _, m in outcomes),
        requests=len(latencies),
        p50_ms=cuts[49] * 1000,
        p99_ms=cuts[98] * 1000,
        per_second=len(latencies) / wall,
    )


@contextmanager
def churn(kubeconfig: Path, kind: BenchKind, objects: int, rate: float) -> Iterator[None]:
    """Patch spread objects of ``kind`` at about ``rate``/s while the block runs."""
    stop = threading.Event()
    load = LoadGenerator(kubeconfig, kind, objects=objects, workers=2)

    def run() -> None:
        while not stop.is_set():
            load.step(rate, 1.0)

    writer = threading.Thread(target=run, daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join(30)
        load.close()


def _wait_cached(server: DashboardServer, url: str, objects: int, started: float) -> float:
    """Seconds from ``started`` until the API lists all ``objects``."""
    timeout = 300.0
    while time.monotonic() - started < timeout:
        total = requests.get(url, params={"limit": "1"}, timeout=30).json().get("total")
        if total == objects:
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"the dashboard did not cache {objects} objects in {timeout:.0f} s")


def _wait_settled(pid: int, *, say: Callable[[str], None], cap: float = 180.0) -> float:
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
    ui_scenarios: tuple[tuple[int, int], ...] = UI_SCENARIOS,
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
            "CRSCOPE_INCLUDE_GROUPS": f"{kind.group},{DEMO_GROUP}",
            "CRSCOPE_EVENTS": "off",
            "CRSCOPE_LOG_LEVEL": "WARNING",
        },
    )
    list_url = f"/api/v1/resources/{kind.group}/{kind.plural}"
    say(f"end to end: starting the dashboard on {objects:,} objects")
    started = time.monotonic()
    server.start(timeout=300)
    try:
        result = EndToEnd(objects, _wait_cached(server, server.url + list_url, objects, started))
        say(f"end to end: dashboard cached {objects:,} objects in {result.sync_s:.1f} s")
        assert server._proc is not None
        result.settle_s = _wait_settled(server._proc.pid, say=say)
        first = requests.get(server.url + list_url, timeout=30).json()
        scenarios = [
            ("first page (100, by name)", {}),
            ("next page (continue token)", {"continue": first["continue"] or ""}),
            ("one namespace", {"namespace": "bench-3"}),
            ("label + state filter", {"labelSelector": "team=payments", "state": "Current"}),
            ("name search", {"search": "app-0012"}),
        ]
        with churn(kubeconfig, kind, objects, CHURN_RATE):
            for name, params in scenarios:
                latency = measure_api(
                    server.url + list_url, params, clients=CLIENTS, total=requests_per_scenario
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
                for i, (pages, rate) in enumerate(ui_scenarios):
                    ui = ui_latency.run_scenario(
                        browser,
                        server,
                        kubeconfig,
                        pages=pages,
                        rate=rate,
                        seconds=ui_seconds,
                        workers=UI_WORKERS,
                        tag=f"bench{i}",
                    )
                    result.ui.append(ui_latency.summary(ui) | {"chromium": browser.version})
            finally:
                browser.close()
        return result
    finally:
        server.stop()
