"""Run the real dashboard (daphne on ``dashboard.asgi:application``) as a subprocess.

Why a subprocess: browser, API and schemathesis tests must hit the server exactly as users
do, with its own engine threads and database, and some tests restart it.
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

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class DashboardServer:
    kubeconfig: Path
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    #: False starts against the database as it is (readiness tests of a missing schema).
    migrate: bool = True
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "DATABASE_URL": f"sqlite:///{self.workdir / 'db.sqlite3'}",
            "CRSCOPE_ENGINE": "on",
            "CRSCOPE_SECURE_COOKIES": "false",
            "CRSCOPE_CLUSTER_NAME": "test-cluster",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }

    def start(self, *, timeout: float = 60.0, wait: bool = True) -> DashboardServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        if self.migrate:
            self.run_migrate()
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "dashboard.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
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
