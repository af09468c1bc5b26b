"""Load N benchmark objects fast: many concurrent connections, two writes per object.

Why two writes: a create by ``bench-user`` and a ``/status`` patch by ``bench-controller``
give every object the two-manager ``managedFields`` a real cluster has. Why threads with
one connection each: the apiserver, not the client, must be the limit (it spends ~3 ms of
CPU per CR write here, so it is), and a shared pool would reopen TLS connections. Requests
go through :mod:`benchmarks.wire`, whose docstring says why not urllib3. Loading is
incremental (``start``..``stop``), so the sizes 1k, 10k and 50k share their first objects
instead of creating 61k.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from benchmarks.dataset import (
    CONTROLLER_MANAGER,
    USER_MANAGER,
    BenchKind,
    make_object,
    make_status,
    name_of,
    namespace_of,
)
from benchmarks.wire import WireClient, WireError

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"

RETRIES = 5


@dataclass
class PopulateReport:
    created: int = 0
    existed: int = 0
    status_writes: int = 0
    failures: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def writes_per_second(self) -> float:
        return (self.created + self.status_writes) / self.seconds if self.seconds else 0.0


def populate(
    kubeconfig: str | Path,
    kind: BenchKind,
    *,
    start: int,
    stop: int,
    workers: int = 24,
    log: Callable[[str], None] | None = None,
) -> PopulateReport:
    """Create objects ``start``..``stop-1`` (existing ones are kept) and write their status."""
    report = PopulateReport()
    lock = threading.Lock()
    started = time.monotonic()

    def work(offset: int) -> None:
        with WireClient.from_kubeconfig(kubeconfig) as wire:
            for index in range(start + offset, stop, workers):
                outcome = _write_object(wire, kind, index)
                with lock:
                    _count(report, outcome)

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(workers)]
    for thread in threads:
        thread.start()
    _wait_with_progress(threads, report, total=stop - start, started=started, log=log)
    report.seconds = time.monotonic() - started
    return report


def _count(report: PopulateReport, outcome: str) -> None:
    if outcome.startswith("error"):
        report.failures += 1
        if len(report.errors) < 5:
            report.errors.append(outcome)
        return
    report.status_writes += 1
    if outcome == "created":
        report.created += 1
    else:
        report.existed += 1


def _wait_with_progress(
    threads: list[threading.Thread],
    report: PopulateReport,
    *,
    total: int,
    started: float,
    log: Callable[[str], None] | None,
) -> None:
    say = log or (lambda line: print(line, file=sys.stderr, flush=True))
    for thread in threads:
        while thread.is_alive():
            thread.join(5.0)
            if thread.is_alive():
                done = report.created + report.existed + report.failures
                elapsed = time.monotonic() - started
                say(f"  loading: {done}/{total} objects, {done / elapsed:.0f} objects/s")


def _write_object(wire: WireClient, kind: BenchKind, index: int) -> str:
    ns, name = namespace_of(index), name_of(index)
    create = orjson.dumps(make_object(kind, index))
    status = _send(wire, "POST", f"{kind.path(ns)}?fieldManager={USER_MANAGER}", create, JSON)
    if status not in (201, 409):
        return f"error create {name}: HTTP {status}"
    patch = orjson.dumps({"status": make_status(index)})
    target = f"{kind.path(ns, name)}/status?fieldManager={CONTROLLER_MANAGER}"
    code = _send(wire, "PATCH", target, patch, MERGE_PATCH)
    if code != 200:
        return f"error status {name}: HTTP {code}"
    return "created" if status == 201 else "existed"


def _send(wire: WireClient, method: str, target: str, body: bytes, content_type: str) -> int:
    """Retry throttling, server errors and dropped connections; the data must be complete."""
    status = 0
    for attempt in range(RETRIES):
        try:
            status, _ = wire.request(method, target, body, content_type)
        except (OSError, WireError):
            status = 0
        if status not in (0, 429, 500, 503, 504):
            return status
        time.sleep(0.2 * (attempt + 1))
    return status
