"""Run the real dashboard (daphne on ``dashboard.asgi:application``) as a subprocess.

Why a subprocess: browser, API and schemathesis tests must hit the server exactly as users
do, with its own engine threads and database, and some tests restart it. The demo runs its
dashboard through this class too, so there is one way to start the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devkit.controlplane.cluster import free_port
from devkit.controlplane.lifetime import die_with_parent

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class DashboardServer:
    kubeconfig: Path
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    #: False starts against the database as it is (readiness tests of a missing schema).
    migrate: bool = True
    #: The history database; None keeps a SQLite file in ``workdir``.
    database_url: str | None = None
    #: True sends the server's output to this process's own (the demo's terminal) instead
    #: of ``workdir/server.log``.
    console: bool = False
    #: True kills the server when this process dies, however it dies (the demo: a closed
    #: terminal or SIGKILL must not leave a server holding the port).
    tied: bool = False
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "DATABASE_URL": self.database_url or f"sqlite:///{self.workdir / 'db.sqlite3'}",
            "CRSCOPE_ENGINE": "on",
            "CRSCOPE_SECURE_COOKIES": "false",
            "CRSCOPE_CLUSTER_NAME": "test-cluster",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }

    @property
    def argv(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(self.port),
            "dashboard.asgi:application",
        ]

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def exited(self) -> int | None:
        """The server's exit code, or None while it runs (or was never started)."""
        return self._proc.poll() if self._proc is not None else None

    def start(self, *, timeout: float = 60.0, wait: bool = True) -> DashboardServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        if self.migrate:
            self.run_migrate()
        log = None if self.console else open(self.workdir / "server.log", "ab")  # noqa: SIM115
        self._proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=die_with_parent() if self.tied else None,
        )
        if wait:
            self.wait_ready(timeout=timeout)
        return self

    def run_migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env={**self.env, "CRSCOPE_ENGINE": "off"},
            check=True,
        )

    def wait_ready(self, *, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"dashboard exited; see {self.workdir / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"dashboard not ready in {timeout}s; see {self.workdir / 'server.log'}")

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""
