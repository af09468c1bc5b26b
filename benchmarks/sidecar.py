"""A benchmark's helper process: says on one line when it is ready, reports on stop.

Why a process of its own: the protocol viewers (``benchmarks.ws_viewers``) and the bare
watch (``benchmarks.delivery``) record receive times, and in the measuring process they
would wait for the GIL behind its writer threads and Playwright, which would be counted as
latency. Both speak the same way: a first line on stdout once ready; then, on a line (or
EOF) on stdin, one JSON line with what they saw, and exit.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Sidecar:
    """``python -m module *args`` in the project root, from the benchmark's side."""

    def __init__(self, what: str, module: str, *args: str) -> None:
        self.what = what
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.pid = self.proc.pid

    def first_line(self, timeout: float) -> str:
        """Its ready line, or "" when none came within ``timeout`` seconds."""
        assert self.proc.stdout is not None
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline().strip() if readable else ""

    def not_ready(self, timeout: float, line: str) -> RuntimeError:
        """Kill it; the error to raise for a missing or wrong ready line."""
        self.close()
        return RuntimeError(f"{self.what} did not get ready in {timeout:.0f} s ({line!r})")

    def stop(self) -> dict[str, Any]:
        """Tell it to stop; its report."""
        out, _ = self.proc.communicate("stop\n", timeout=60)
        lines = out.strip().splitlines()
        if self.proc.returncode or not lines:
            raise RuntimeError(f"{self.what} failed (exit {self.proc.returncode})")
        result: dict[str, Any] = json.loads(lines[-1])
        return result

    def close(self) -> None:
        """Kill it if it still runs (a no-op once stopped)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
