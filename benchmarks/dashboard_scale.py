"""The dashboard itself at each size of the scale curve: how long until it has every object,
its memory, how fast its home page answers, and the list page's p99.

Why beside the informer comparison: the engine's numbers say what caching costs; a user
meets the server on top of it. At each size the real dashboard (daphne) starts on the
loaded objects, caches them, settles (its first history revision of every object), and
then answers one client at a time, so the figures show how the pages scale with the
cache, not how a queue of clients grows (``benchmarks.endtoend`` measures concurrency at
50k). Only the benchmark's API group is watched, with Events off, as in the end-to-end
stage.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks.dataset import BenchKind
from benchmarks.endtoend import wait_cached, wait_settled
from devkit.dashboard_server import DashboardServer

#: Requests per page, one after another on one kept-alive connection.
REQUESTS = 100


@dataclass
class DashboardAtSize:
    objects: int
    sync_s: float
    settle_s: float
    rss_mb: float
    home_first_ms: float
    home_p50_ms: float
    home_p99_ms: float
    list_p50_ms: float
    list_p99_ms: float
    requests: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _timed(session: requests.Session, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, timeout=120)
        times.append(time.perf_counter() - started)
        response.raise_for_status()
    return times


def _cut(times: list[float], percent: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[percent - 1] * 1000


def measure_dashboard(
    kubeconfig: Path,
    kind: BenchKind,
    objects: int,
    *,
    say: Callable[[str], None],
    requests_per_page: int = REQUESTS,
) -> DashboardAtSize:
    """Start the dashboard on ``objects`` loaded objects and time its two main pages."""
    server = DashboardServer(
        kubeconfig=kubeconfig,
        workdir=Path(tempfile.mkdtemp(prefix="crscope-bench-scale-")),
        extra_env={
            "CRSCOPE_API_RATE": "0",
            "CRSCOPE_PAGE_RATE": "0",  # one client timing pages, not a flood to refuse
            "CRSCOPE_INCLUDE_GROUPS": kind.group,
            "CRSCOPE_EVENTS": "off",
            "CRSCOPE_LOG_LEVEL": "WARNING",
        },
    )
    api_url = f"{{}}/api/v1/resources/{kind.group}/{kind.plural}"
    started = time.monotonic()
    server.start(timeout=600)
    try:
        sync_s = wait_cached(api_url.format(server.url), objects, started)
        pid = server.pid
        assert pid is not None
        settle_s = wait_settled(pid, say=say)
        with requests.Session() as session:
            first = _timed(session, server.url + "/", 1)[0]
            home = _timed(session, server.url + "/", requests_per_page)
            listing = _timed(
                session, f"{server.url}/k/{kind.group}/{kind.plural}/", requests_per_page
            )
        result = DashboardAtSize(
            objects=objects,
            sync_s=sync_s,
            settle_s=settle_s,
            rss_mb=_rss_mb(pid),
            home_first_ms=first * 1000,
            home_p50_ms=_cut(home, 50),
            home_p99_ms=_cut(home, 99),
            list_p50_ms=_cut(listing, 50),
            list_p99_ms=_cut(listing, 99),
            requests=requests_per_page,
        )
        say(
            f"dashboard at {objects:,}: cached in {sync_s:.1f} s, {result.rss_mb:.0f} MB; "
            f"home p50 {result.home_p50_ms:.0f} ms, list p99 {result.list_p99_ms:.0f} ms"
        )
        return result
    finally:
        server.stop()
