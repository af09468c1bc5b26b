"""The image's entrypoint script, run for real from the repository root (the image's /app):
it migrates, becomes daphne (so SIGTERM reaches the server), and guards its inputs."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.controlplane.cluster import free_port
from tests.deploy.conftest import ROOT, one
from tests.deploy.kustomize import Obj

SCRIPT = ROOT / "deploy" / "docker-entrypoint.sh"


def entrypoint_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSCOPE_")}
    return {
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": str(free_port()),
        "CRSCOPE_SECRET_KEY": "entrypoint-test-key",
        "CRSCOPE_ENGINE": "off",  # no cluster here: the server still answers /healthz
        "CRSCOPE_STATIC_ROOT": str(tmp_path / "static"),
        **extra,
    }


def start(tmp_path: Path, *args: str, **extra: str) -> subprocess.Popen[bytes]:
    log = (tmp_path / "entrypoint.log").open("wb")
    return subprocess.Popen(["sh", str(SCRIPT), *args], cwd=ROOT,
                            env=entrypoint_env(tmp_path, **extra), stdout=log, stderr=log)


def output(tmp_path: Path) -> str:
    return (tmp_path / "entrypoint.log").read_text(errors="replace")


def wait_healthy(proc: subprocess.Popen[bytes], port: str, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited {proc.returncode}:\n{output(tmp_path)}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    pytest.fail(f"/healthz did not answer within 60 s:\n{output(tmp_path)}")


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[subprocess.Popen[bytes]]:
    extra: dict[str, str] = getattr(request, "param", {})
    proc = start(tmp_path, **extra)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_migrates_then_becomes_daphne_which_stops_on_sigterm(
    server: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    port = str(server.args and entrypoint_port(server))
    wait_healthy(server, port, tmp_path)
    # The process we started *is* daphne now: the shell exec'd it, so signals reach it.
    args = cmdline(server.pid)
    assert any(a.endswith("daphne") for a in args), args
    assert args[-5:] == ["0.0.0.0", "-p", port, "--proxy-headers", "dashboard.asgi:application"]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        apps = {row[0] for row in db.execute("SELECT app FROM django_migrations")}
    assert "history" in apps
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=15)  # well inside the pod's 30 s grace period


def entrypoint_port(proc: subprocess.Popen[bytes]) -> str:
    environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
    return next(v.decode()[5:] for v in environ if v.startswith(b"PORT="))


@pytest.mark.parametrize(
    "server", [{"CRSCOPE_MIGRATE": "off", "CRSCOPE_PROXY_HEADERS": "off"}], indirect=True)
def test_migrations_and_proxy_headers_can_be_turned_off(
    server: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    wait_healthy(server, entrypoint_port(server), tmp_path)
    assert "--proxy-headers" not in cmdline(server.pid)
    assert not (tmp_path / "db.sqlite3").exists()


def test_refuses_the_placeholder_secret_key(
    tmp_path: Path, rendered: dict[str, list[Obj]]
) -> None:
    data = one(rendered["overlays/example"], "Secret")["data"]
    placeholder = base64.b64decode(data["secret-key"]).decode()
    proc = start(tmp_path, CRSCOPE_SECRET_KEY=placeholder)
    assert proc.wait(timeout=30) == 64
    assert "placeholder" in output(tmp_path)
    assert not (tmp_path / "db.sqlite3").exists()


def test_arguments_run_instead_of_the_server(tmp_path: Path) -> None:
    proc = start(tmp_path, "python", "-c", "print('one-off')")
    assert proc.wait(timeout=30) == 0
    assert output(tmp_path).strip() == "one-off"
    assert not (tmp_path / "db.sqlite3").exists()
