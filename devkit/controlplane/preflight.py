"""Before the demo builds anything: stop a stale demo from the same state directory, and
check that the dashboard's port is free.

Why a module of its own, on the standard library only: ``make demo`` runs it with the
system ``python3`` before the virtualenv and the binaries are built, so a busy port is
reported at once instead of after the cluster has started. ``python -m devkit.demo`` runs it
again, before Django starts, for callers that skip ``make``.
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from devkit.controlplane.lifetime import PidFile

DEFAULT_PORT = 8000
DEFAULT_STATE_DIR = ".demo"
HOST = "127.0.0.1"


class Writer(Protocol):
    """Where to say what was done: ``sys.stdout`` by default."""

    def write(self, text: str, /) -> object: ...


class PreflightError(Exception):
    """The demo cannot start; the message says why and what to do."""


def demo_pids(state_dir: Path) -> PidFile:
    """The pid file of the demo process and its dashboard server in ``state_dir``."""
    return PidFile(state_dir, "demo")


def check_port(port: int, host: str = HOST) -> None:
    """Raise :class:`PreflightError` unless the dashboard could listen on ``host:port`` now."""
    if not 0 < port < 65536:
        raise PreflightError(f"{port} is not a TCP port (1-65535)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As daphne (Twisted) does: a port left in TIME_WAIT by a stopped server is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            why = "it is already in use" if err.errno == errno.EADDRINUSE else err.strerror
            raise PreflightError(
                f"cannot serve the dashboard on {host}:{port}: {why}. Stop what uses it, "
                "or choose another port: make demo PORT=8080 (python -m devkit.demo --port 8080)"
            ) from err


def preflight(*, port: int, state_dir: Path, out: Writer = sys.stdout) -> None:
    """Stop a demo still running from ``state_dir`` (it would hold the port and the
    cluster's files), then check the port."""
    stopped = demo_pids(state_dir).stop_stale()
    if stopped:
        pids = ", ".join(map(str, stopped))
        out.write(f"stopped a previous demo still running from {state_dir} (pid {pids})\n")
    check_port(port)


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 -m devkit.controlplane.preflight [--port N] [--state-dir DIR]``; other
    arguments (the demo's own) are ignored."""
    parser = argparse.ArgumentParser(prog="demo preflight", add_help=False)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR)
    args, _ = parser.parse_known_args(argv)
    try:
        preflight(port=args.port, state_dir=Path(args.state_dir))
    except PreflightError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
