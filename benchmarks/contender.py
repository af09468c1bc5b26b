"""The harness's side of a contender: its subprocess, with timeouts on every exchange.

Why a reader thread and a queue: a contender that hangs, crashes or prints garbage must
cost the run one error row, never the whole run. Every wait has a deadline; on any
failure the process is killed, and its stderr stays in a log file for the post-mortem.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


class ContenderError(RuntimeError):
    """A contender failed, timed out or reported an error; the message says which."""


@dataclass(frozen=True)
class ContenderSpec:
    """How to start one contender; ``argv`` excludes the per-size ``expect`` count."""

    name: str
    argv: tuple[str, ...]
    expect_flag: str = "--expect"
    #: It answers the ``relist`` command (``benchmarks.relist``).
    relists: bool = False

    def command(self, expect: int) -> list[str]:
        return [*self.argv, self.expect_flag, str(expect)]


class ContenderProcess:
    def __init__(self, spec: ContenderSpec, *, expect: int, log_path: Path) -> None:
        self.spec = spec
        self._log = log_path.open("ab")
        self._proc = subprocess.Popen(
            spec.command(expect),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
        )
        self.pid = self._proc.pid
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self._proc.stdout is not None
        threading.Thread(target=self._read, args=(self._proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with contextlib.suppress(ValueError):
                message = json.loads(line)
                if isinstance(message, dict):
                    self._lines.put(message)
        self._lines.put(None)  # end of output: the process is gone

    def expect(self, msg: str, *, timeout: float) -> dict[str, Any]:
        """The next message, which must be ``msg``; raises on error, exit or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ContenderError(f"{self.spec.name}: no {msg!r} within {timeout:.0f}s")
            try:
                message = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise ContenderError(
                    f"{self.spec.name}: exited ({self._proc.poll()}) before {msg!r}"
                )
            if message.get("msg") == "error":
                raise ContenderError(f"{self.spec.name}: {message.get('error')}")
            if message.get("msg") == msg:
                return message

    def ask(self, command: str, reply: str, *, timeout: float = 10.0) -> dict[str, Any]:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(command + "\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise ContenderError(f"{self.spec.name}: cannot send {command!r}: {err}") from err
        return self.expect(reply, timeout=timeout)

    def close(self) -> dict[str, Any] | None:
        """Ask the contender to quit; kill it if it does not within a few seconds."""
        final = None
        if self._proc.poll() is None:
            with contextlib.suppress(ContenderError):
                final = self.ask("quit", "bye", timeout=5.0)
        try:
            self._proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5.0)
        self._log.close()
        return final
