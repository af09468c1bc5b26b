"""The line protocol a Python contender speaks, and the measurements it reports about itself.

Why a protocol instead of one script that times everything: each contender runs in its own
process so its RSS is its own, and the harness must drive all three (two Python, one Go)
the same way. The harness writes one command per line on stdin; the contender answers
each with one JSON line on stdout (``benchmarks/clientgo/main.go`` speaks the same):

    -> {"msg": "ready", ...}      client built, nothing listed yet: the baseline RSS
    <- sync                       start watching, wait until the expected objects are cached
    -> {"msg": "synced", ...}     sync seconds, peak RSS during sync, RSS after settling,
                                  and how it synced (list mode, managedFields kept)
    <- count                      update events received since the sync
    -> {"msg": "count", ...}
    <- relist                     expect a relist (the harness is about to force one)
    -> {"msg": "armed", ...}      memory settled: RSS before the relist
    -> {"msg": "relisted", ...}   a relist begun after the command completed: how long it
                                  took, the list calls and 410 Gone answers it saw since
                                  the command, and the peak RSS since the harness reset it
    <- quit
    -> {"msg": "bye", ...}

Every answer carries ``cpu_s`` (user+system, all threads) and, except the frequently
polled ``count``, ``rss_kb`` and ``hwm_kb`` (peak) from /proc/self/status.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import resource
import sys
import time
from dataclasses import dataclass
from typing import Any, Protocol

#: After a sync, memory is read only once freed memory had a moment to be given back.
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class ListMarks:
    """Where a contender's list-and-watch loop stands, for the ``relist`` command."""

    #: Fetches of the whole collection begun (a streaming list or a paged LIST).
    lists: int
    #: 410 Gone answers (``too old resource version``) to a resumed watch.
    gone: int
    #: Changes whenever a fetch has replaced the whole cache (a counter or a time).
    replaced: float
    #: The last failure the list-and-watch loop saw (after a forced relist: the 410).
    last_error: str = ""


class Contender(Protocol):
    """What :func:`serve` drives; one implementation per Python contender."""

    def start(self) -> None: ...
    def cached(self) -> int: ...
    def ready(self) -> bool: ...
    def events(self) -> int: ...
    def stop(self) -> None: ...
    def describe(self) -> dict[str, Any]:
        """How the sync was done (``list_mode``, ``managed_fields_kept``, ``sync_wait``,
        ``polls_list_keys``), read after the timed part so it costs the timing nothing."""
        ...

    def list_marks(self) -> ListMarks | None:
        """None: this contender cannot tell its relists apart (``relist`` answers an error)."""
        ...


def status_kb(field: str, pid: int | str = "self") -> int:
    """One ``VmRSS``/``VmHWM`` line of /proc/PID/status, in kB (-1 if unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(msg: str, *, memory: bool = True, **fields: Any) -> None:
    """One JSON line; ``memory=False`` skips the /proc reads for answers polled often."""
    fields.update(msg=msg, cpu_s=cpu_seconds())
    if memory:
        fields.update(rss_kb=status_kb("VmRSS"), hwm_kb=status_kb("VmHWM"))
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def settle() -> None:
    """Collect garbage and hand free heap pages back to the OS, as the Go contender does
    with ``debug.FreeOSMemory``, so steady RSS measures what is kept, not what is cached."""
    gc.collect()
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        libc = ctypes.CDLL(libc_name)
        if hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)
    time.sleep(SETTLE_SECONDS)


def serve(contender: Contender, *, expect: int, timeout: float) -> int:
    """Answer the harness's commands until ``quit`` or end of input; returns an exit code."""
    settle()  # the baseline is read in the same settled state as the steady RSS
    emit("ready")
    for line in sys.stdin:
        command = line.strip()
        if command == "sync":
            if not _sync(contender, expect=expect, timeout=timeout):
                return 1
        elif command == "count":
            emit("count", memory=False, events=contender.events(), objects=contender.cached())
        elif command == "relist":
            if not _relist(contender, expect=expect, timeout=timeout):
                return 1
        elif command == "quit":
            break
    contender.stop()
    emit("bye", events=contender.events())
    return 0


def _sync(contender: Contender, *, expect: int, timeout: float) -> bool:
    started = time.perf_counter()
    contender.start()
    deadline = started + timeout
    while not (contender.ready() and contender.cached() >= expect):
        if time.perf_counter() > deadline:
            emit("error", error=f"not synced after {timeout}s: {contender.cached()} objects")
            return False
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    peak = status_kb("VmHWM")
    how = contender.describe()
    settle()
    emit("synced", sync_s=elapsed, objects=contender.cached(), peak_sync_kb=peak, **how)
    return True


def _relist(contender: Contender, *, expect: int, timeout: float) -> bool:
    """Answer ``armed``, then ``relisted`` once a fetch begun after the command has
    replaced the cache and every expected object is back in it.

    The wait polls the O(1) marks every 5 ms, as the sync wait does; ``relist_s`` runs from
    the first poll that saw the new fetch begun (before it, the harness restarts the
    apiserver and the contender reconnects).
    """
    before = contender.list_marks()
    if before is None:
        emit("error", error="this contender does not report its relists")
        return False
    settle()  # the harness resets the peak RSS to this settled RSS
    emit("armed", objects=contender.cached())
    deadline = time.perf_counter() + timeout
    listed_at: float | None = None
    while True:
        marks = contender.list_marks() or before
        now = time.perf_counter()
        if listed_at is None and marks.lists > before.lists:
            listed_at = now
        if (
            marks.lists > before.lists
            and marks.replaced != before.replaced
            and contender.cached() >= expect
        ):
            break
        if now > deadline:
            emit("error", error=f"no relist within {timeout}s: {marks}")
            return False
        time.sleep(0.005)
    emit(
        "relisted",
        relist_s=now - (listed_at or now),
        objects=contender.cached(),
        lists=marks.lists - before.lists,
        gone=marks.gone - before.gone,
        last_error=marks.last_error,
    )
    return True
