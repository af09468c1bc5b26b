"""Load N benchmark objects fast: many concurrent connections, two writes per object.

Why two writes: a create by ``bench-user`` and a ``/status`` patch by ``bench-controller``
give every object the two-manager ``managedFields`` a real cluster has. Why threads with
one client each: the apiserver, not the client, must be the limit, and ``KubeHTTP`` keeps
only a few pooled connections, so sharing one across 24 threads would reopen TLS
connections on every request. Loading is incremental (``start``..``stop``), so the
sizes 1k, 10k and 50k share the first objects instead of being created three times.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

from benchmarks.dataset import (
    CONTROLLER_MANAGER,
    USER_MANAGER,
    BenchKind,
    make_object,
    make_status,
    name_of,
    namespace_of,
)
from tests.controlplane.kubehttp import MERGE_PATCH, ApiError, KubeHTTP

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
        with KubeHTTP.from_kubeconfig(kubeconfig, timeout=30) as kube:
            for index in range(start + offset, stop, workers):
                outcome = _write_object(kube, kind, index)
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


def _write_object(kube: KubeHTTP, kind: BenchKind, index: int) -> str:
    ns, name = namespace_of(index), name_of(index)
    outcome = "created"
    try:
        _retry(
            lambda: kube.request(
                "POST",
                kind.path(ns),
                body=make_object(kind, index),
                query={"fieldManager": USER_MANAGER},
            )
        )
    except ApiError as err:
        if err.status != 409:
            return f"error create {name}: {err}"
        outcome = "existed"
    except (urllib3.exceptions.HTTPError, OSError) as err:
        return f"error create {name}: {err}"
    try:
        _retry(
            lambda: kube.request(
                "PATCH",
                kind.path(ns, name) + "/status",
                body={"status": make_status(index)},
                query={"fieldManager": CONTROLLER_MANAGER},
                content_type=MERGE_PATCH,
            )
        )
    except (ApiError, urllib3.exceptions.HTTPError, OSError) as err:
        return f"error status {name}: {err}"
    return outcome


def _retry(call: Callable[[], object]) -> None:
    """Retry throttling, server errors and dropped connections; the data must be complete."""
    for attempt in range(RETRIES):
        try:
            call()
            return
        except ApiError as err:
            if err.status not in (429, 500, 503, 504) or attempt == RETRIES - 1:
                raise
        except (urllib3.exceptions.HTTPError, OSError):
            if attempt == RETRIES - 1:
                raise
        time.sleep(0.2 * (attempt + 1))
