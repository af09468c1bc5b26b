"""Child processes that die with their parent, and leftovers found again by pid file.

Why: etcd and kube-apiserver run in their own sessions (so a whole process group can be
signalled), which also means a SIGKILLed or hung-up parent leaves them running, holding
ports, memory and the state directory. Two defences:

- :func:`die_with_parent` asks Linux to SIGKILL the child when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``). The kernel's "parent" is the *thread* that forked, so
  start these children from a thread that lives as long as they should (the main thread).
- :class:`PidFile` records each child, with its command line, in the state directory. A
  later run that finds the file stops what it lists, but only a process that still runs
  the recorded command line: once the old process is gone its pid can be reused.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive ``sig`` when this process dies.

    Returns None where there is no ``prctl`` (not Linux): the pid file still lets the
    next run clean up.
    """
    prctl = getattr(_LIBC, "prctl", None)
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


def cmdline(pid: int) -> list[str]:
    """The process's arguments, or [] if it is gone (or a zombie, which has none)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def alive(pid: int) -> bool:
    """True while the process runs; a zombie waiting to be reaped counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


class PidFile:
    """``<state_dir>/<name>.pids``: the pid and command line of each process a run started.

    The command line is kept so that a later run signals a pid only while it still runs
    the same program with the same arguments.
    """

    def __init__(self, state_dir: Path, name: str) -> None:
        self.path = state_dir / f"{name}.pids"

    def read(self) -> dict[str, tuple[int, list[str]]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            str(role): (entry["pid"], [str(a) for a in entry["cmdline"]])
            for role, entry in data.items()
            if isinstance(entry, dict)
            and isinstance(entry.get("pid"), int)
            and entry["pid"] > 0
            and isinstance(entry.get("cmdline"), list)
        }

    def record(self, role: str, pid: int, args: Sequence[str] | None = None) -> None:
        """Record ``pid`` running ``args`` (a child's Popen arguments; by default read from
        /proc, which is right for this process but may still be empty for a child that
        is mid-exec)."""
        entries = {r: {"pid": p, "cmdline": c} for r, (p, c) in self.read().items()}
        entries[role] = {"pid": pid, "cmdline": list(args) if args is not None else cmdline(pid)}
        self._write(entries)

    def forget(self, role: str) -> None:
        entries = {r: {"pid": p, "cmdline": c} for r, (p, c) in self.read().items() if r != role}
        if entries:
            self._write(entries)
        else:
            self.path.unlink(missing_ok=True)

    def _write(self, entries: dict[str, dict[str, object]]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(entries))
        tmp.replace(self.path)

    def running(self) -> dict[str, int]:
        """Recorded processes that still run the command line they were recorded with."""
        return {
            role: pid
            for role, (pid, args) in self.read().items()
            if args and alive(pid) and cmdline(pid) == args
        }

    def stop_stale(self, *, timeout: float = 30.0) -> list[int]:
        """Stop every recorded process that still runs; forget the rest.

        SIGTERM first (a stale demo then stops its own children), SIGKILL after
        ``timeout``. Returns the pids that were stopped.
        """
        stale = list(self.running().values())
        for pid in stale:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        _wait_gone(stale, timeout)
        for pid in stale:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _wait_gone(stale, 10.0)
        self.path.unlink(missing_ok=True)
        return stale


def _wait_gone(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
