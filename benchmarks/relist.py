"""Peak memory during a relist the apiserver forced with 410 Gone.

Why a real 410: a long-running dashboard relists whenever its watch falls out of the
apiserver's window (a restart, a network partition, an upgrade), and for that moment it
holds the old cache and the new list at once. Calling a relist function would measure a
path no cluster takes; here the apiserver itself answers "too old resource version".

How: the bench control plane keeps its watch cache on (the WatchList stream needs it), and
a watch cache serves a resumed watch from memory, so compacting etcd alone is not seen.
Instead the apiserver is killed, etcd's revision is moved past everything the contenders
have seen (one write to a key outside the apiserver's prefix, so no object changes), and
the apiserver is started again on the same port and etcd. Its fresh watch cache begins at
that newer revision, so a resumed watch is answered 410 Gone and the contender relists.
Each contender counts the 410s and list calls it saw, so a relist caused by anything else
is told apart. The peak RSS (VmHWM) is reset just before, by writing 5 to
``/proc/PID/clear_refs``, so it is the relist's peak, not the initial sync's.

Why after every contender of a size, with one restart: a restarted apiserver's watch
cache is small until enough events grew it back, and a small cache hands new watches
10-event buffers, so the apiserver closes them as slow under load. Any measured phase
after a restart would run on those terms; here the restart comes after all of them. Each
relisting contender is started again and synced (not timed), told to expect the relist,
and stopped (SIGSTOP); one restart then serves all of them, and they resume one at a time
(SIGCONT), so each relists alone. Where a size has no load steps (above ``FULL_UP_TO``),
the process just measured is armed and stopped instead (``measure(keep_armed=...)``):
nothing writes while it waits, so it misses no event, and at 100k that saves syncing
both contenders again (about two minutes). Stopped while the new cache loads (about
half a minute at 50k on two cores, answering 429 meanwhile), a contender sees its
connection gone and then the 410, as after a network cut, rather than backing off through
the 429s (client-go's backoff can grow to 30-60 s). Afterwards, when no large load follows,
writes grow the cache back to the size it had, for the stages that come next.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.contender import ContenderError, ContenderProcess, ContenderSpec
from benchmarks.dataset import BenchKind
from benchmarks.loadgen import LoadGenerator
from benchmarks.wire import WireClient, WireError

if TYPE_CHECKING:
    from benchmarks.measure import Result
    from devkit.controlplane import ControlPlane

KB_PER_MB = 1024.0
#: Written outside /registry: it moves etcd's revision and no apiserver reads it.
_MARK_KEY = b"/crscope-bench/relist"
#: A synced contender told to expect the relist and stopped, with its RSS then in kB.
Armed = tuple[ContenderProcess, "Result", float]
#: The longest the restarted apiserver may take to load the collection into its cache.
CACHE_READY_TIMEOUT = 600.0
#: A watch cache this big hands new watches the largest buffer a custom resource gets
#: (capacity / 75 s, at most 100 events); it grows by doubling from 100, so 6,401 events
#: within 75 s reach it. A load of this many writes regrows the cache by itself.
CACHE_CAPACITY_GOAL = 12_800
REGROW_WRITES = CACHE_CAPACITY_GOAL // 2 + 1
REGROW_TIMEOUT = 120.0


def expire_watches(
    cp: ControlPlane, collection: str, *, while_down: Callable[[], object] | None = None
) -> float:
    """Restart ``cp``'s apiserver past every resourceVersion its watchers hold, so each
    resumed watch on ``collection`` (an API path) is answered 410 Gone; returns once that
    collection's watch cache is loaded, with the seconds it all took. ``while_down`` runs
    while the apiserver is stopped (changes no watcher is told of)."""
    started = time.monotonic()
    cp.stop_apiserver(kill=True)
    if while_down is not None:
        while_down()
    value = base64.b64encode(str(time.time()).encode()).decode()
    cp.etcd_request("/v3/kv/put", {"key": base64.b64encode(_MARK_KEY).decode(), "value": value})
    cp.start_apiserver()
    # The cache answers 429 until loaded, then a watch from revision 1 gets its 410.
    deadline = started + CACHE_READY_TIMEOUT
    while True:
        status, _ = cp.request("GET", f"{collection}?watch=true&resourceVersion=1&timeoutSeconds=1")
        if status == 200:
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise RuntimeError(f"{collection}: watch cache not ready (HTTP {status})")
        time.sleep(0.2)


def reset_peak_rss(pid: int) -> None:
    """Set the process's VmHWM back to its current RSS (Linux 4.0+; needs its owner or root)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5\n")


def watch_cache_capacity(kubeconfig: Path, kind: BenchKind) -> int | None:
    """The apiserver's watch cache capacity for ``kind`` (None if its metrics do not say)."""
    pattern = re.compile(
        rb"^watch_cache_capacity\{[^}]*"
        + rf'group="{re.escape(kind.group)}",resource="{re.escape(kind.plural)}"'.encode()
        + rb"\} (\S+)$",
        re.MULTILINE,
    )
    try:
        with WireClient.from_kubeconfig(kubeconfig) as client:
            status, body = client.request("GET", "/metrics")
    except (OSError, WireError):
        return None
    match = pattern.search(body) if status == 200 else None
    return int(float(match.group(1))) if match else None


def measure_relists(
    specs: Sequence[ContenderSpec],
    results: Sequence[Result],
    *,
    kubeconfig: Path,
    kind: BenchKind,
    objects: int,
    expire: Callable[[], float],
    log_dir: Path,
    say: Callable[[str], None],
    regrow: bool = True,
    workers: int = 24,
    timeout: float = 600.0,
    ready: Sequence[Armed] = (),
) -> None:
    """Measure the 410 relist of every contender in ``specs`` that ``relists``, into its
    row of ``results`` (failures go to ``relist_error``; nothing is raised). ``ready``
    are processes armed already (see the module docstring); the others are started. With
    ``regrow``, the watch cache is then grown back to the capacity it had before."""
    rows = {r.contender: r for r in results if r.objects == objects}
    capacity = watch_cache_capacity(kubeconfig, kind)
    kept = {proc.spec.name: (proc, result, rss_kb) for proc, result, rss_kb in ready}
    armed: list[Armed] = []
    try:
        for spec in specs:
            if spec.name in kept:
                armed.append(kept.pop(spec.name))
            elif spec.relists and spec.name in rows:
                prepared = _prepare(spec, rows[spec.name], objects, log_dir, timeout, say)
                if prepared is not None:
                    armed.append(prepared)
        if not armed:
            return
        away = expire()
        say(f"  apiserver restarted past {len(armed)} contender(s), cache loaded in {away:.1f}s")
        while armed:
            proc, result, rss_kb = armed.pop(0)
            _relist(proc, result, rss_kb, timeout, say)
            proc.close()
    except (ContenderError, OSError, RuntimeError, WireError) as err:  # the restart failed
        for _, result, _ in armed:
            result.relist_error = f"{type(err).__name__}: {err}"
        say(f"  relists FAILED: {err}")
    finally:
        for proc, _, _ in [*armed, *kept.values()]:
            with contextlib.suppress(OSError):
                os.kill(proc.pid, signal.SIGCONT)
            proc.close()
    if regrow and capacity is not None:
        _regrow(kubeconfig, kind, objects, min(capacity, CACHE_CAPACITY_GOAL), workers, say)


def _prepare(
    spec: ContenderSpec,
    result: Result,
    objects: int,
    log_dir: Path,
    timeout: float,
    say: Callable[[str], None],
) -> tuple[ContenderProcess, Result, float] | None:
    """A fresh, synced process of ``spec``, told to expect a relist and stopped; with the
    RSS it reported then, in kB."""
    log_path = log_dir / f"{spec.name}-{objects}-relist.log"
    log_path.unlink(missing_ok=True)
    proc = ContenderProcess(spec, expect=objects, log_path=log_path)
    try:
        proc.expect("ready", timeout=60.0)
        proc.ask("sync", "synced", timeout=timeout)
    except ContenderError as err:
        result.relist_error = f"{type(err).__name__}: {err}"
        say(f"  {spec.name}: relist FAILED: {result.relist_error}")
        proc.close()
        return None
    return arm(proc, result, say)


def arm(proc: ContenderProcess, result: Result, say: Callable[[str], None]) -> Armed | None:
    """Tell a synced contender to expect the relist and stop it; None (and the process
    closed, the failure in ``relist_error``) when it could not be armed."""
    try:
        armed = proc.ask("relist", "armed", timeout=30.0)
        os.kill(proc.pid, signal.SIGSTOP)
    except (ContenderError, OSError) as err:
        result.relist_error = f"{type(err).__name__}: {err}"
        say(f"  {proc.spec.name}: relist FAILED: {result.relist_error}")
        proc.close()
        return None
    return proc, result, float(armed["rss_kb"])


def _relist(
    proc: ContenderProcess,
    result: Result,
    rss_kb: float,
    timeout: float,
    say: Callable[[str], None],
) -> None:
    """Resume one stopped contender and record the relist it does on its own."""
    try:
        reset_peak_rss(proc.pid)
        resumed = time.monotonic()
        os.kill(proc.pid, signal.SIGCONT)
        relisted = proc.expect("relisted", timeout=timeout)
    except (ContenderError, OSError) as err:
        result.relist_error = f"{type(err).__name__}: {err}"
        say(f"  {proc.spec.name}: relist FAILED: {result.relist_error}")
        return
    result.relist_wait_s = time.monotonic() - resumed
    result.relist_rss_before_mb = rss_kb / KB_PER_MB
    result.relist_peak_rss_mb = relisted["hwm_kb"] / KB_PER_MB
    result.relist_s = float(relisted["relist_s"])
    result.relist_gone = int(relisted["gone"])
    result.relist_lists = int(relisted["lists"])
    result.relist_cause = str(relisted.get("last_error") or "") or None
    if result.steady_rss_mb:
        result.relist_peak_ratio = result.relist_peak_rss_mb / result.steady_rss_mb
    if result.relist_gone < 1:
        result.relist_error = "relisted without a 410 Gone: not the relist being measured"
    say(
        f"  {proc.spec.name}: relisted {relisted['objects']} after {result.relist_gone} "
        f"410(s) in {result.relist_s:.2f}s ({result.relist_wait_s:.1f}s from its resumption), "
        f"peak {result.relist_peak_rss_mb:.0f} MB = {result.relist_peak_ratio or 0:.2f}x "
        f"steady {result.steady_rss_mb or 0:.0f} MB"
    )


def _regrow(
    kubeconfig: Path,
    kind: BenchKind,
    objects: int,
    goal: int,
    workers: int,
    say: Callable[[str], None],
) -> None:
    """Write until the watch cache is back to ``goal`` events of capacity (or time is up)."""
    started = time.monotonic()
    loadgen = LoadGenerator(kubeconfig, kind, objects=objects, workers=workers)
    writes = 0
    try:
        while (capacity := watch_cache_capacity(kubeconfig, kind)) is not None and capacity < goal:
            if time.monotonic() - started > REGROW_TIMEOUT:
                say(f"  watch cache not regrown to {goal} in {REGROW_TIMEOUT:.0f}s")
                return
            writes += loadgen.step(2000.0, 2.0).ok
    finally:
        loadgen.close()
    say(
        f"  watch cache regrown to {goal} events with {writes} writes "
        f"in {time.monotonic() - started:.1f}s"
    )
