"""The image's entrypoint script, run for real from the repository root (the image's /app):
it migrates, becomes daphne (so SIGTERM reaches the server), and guards its inputs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devkit.controlplane.cluster import free_port
from tests.deploy.rendered import ROOT

SCRIPT = ROOT / "deploy" / "docker-entrypoint.sh"


@dataclass
class Started:
    proc: subprocess.Popen[bytes]
    port: str


def entrypoint_env(tmp_path: Path, port: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSCOPE_")}
    return {
        **env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": port,
        "CRSCOPE_SECRET_KEY": "entrypoint-test-key",
        "CRSCOPE_ENGINE": "off",  # no cluster here: the server still answers /healthz
        "CRSCOPE_STATIC_ROOT": str(tmp_path / "static"),
        **extra,
    }


def start(tmp_path: Path, *args: str, **extra: str) -> Started:
    port = str(free_port())
    with (tmp_path / "entrypoint.log").open("wb") as log:
        proc = subprocess.Popen(
            ["sh", str(SCRIPT), *args],
            cwd=ROOT,
            env=entrypoint_env(tmp_path, port, **extra),
            stdout=log,
            stderr=log,
        )
    return Started(proc, port)


def output(tmp_path: Path) -> str:
    return (tmp_path / "entrypoint.log").read_text(errors="replace")


def wait_healthy(started: Started, tmp_path: Path) -> None:
    deadline = time.monotonic() + 300  # migrations on a loaded 2-core machine
    while time.monotonic() < deadline:
        code = started.proc.poll()
        assert code is None, f"exited {code}:\n{output(tmp_path)}"
        url = f"http://127.0.0.1:{started.port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    pytest.fail(f"/healthz did not answer within 300 s:\n{output(tmp_path)}")


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Started]:
    extra: dict[str, str] = getattr(request, "param", {})
    started = start(tmp_path, **extra)
    try:
        yield started
    finally:
        if started.proc.poll() is None:
            started.proc.kill()
            started.proc.wait(timeout=10)


def test_migrates_then_becomes_daphne_which_stops_on_sigterm(
    server: Started, tmp_path: Path
) -> None:
    wait_healthy(server, tmp_path)
    # The process we started *is* daphne now: the shell exec'd it, so signals reach it.
    args = cmdline(server.proc.pid)
    assert any(a.endswith("daphne") for a in args), args
    assert args[-5:] == ["-b", "0.0.0.0", "-p", server.port, "dashboard.asgi:application"]
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        apps = {row[0] for row in db.execute("SELECT app FROM django_migrations")}
    assert "history" in apps
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=30)  # the pod's grace period


@pytest.mark.parametrize(
    "server", [{"CRSCOPE_MIGRATE": "off", "CRSCOPE_PROXY_HEADERS": "on"}], indirect=True
)
def test_migrations_off_and_proxy_headers_on(server: Started, tmp_path: Path) -> None:
    wait_healthy(server, tmp_path)
    assert "--proxy-headers" in cmdline(server.proc.pid)
    assert not (tmp_path / "db.sqlite3").exists()


def get(server: Started, path: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize(
    "server",
    [
        {
            "CRSCOPE_AUTH_MODE": "proxy",
            "CRSCOPE_TRUSTED_PROXIES": "10.0.0.5/32",
            "CRSCOPE_METRICS_TOKEN": "scrape-me",
        }
    ],
    indirect=True,
)
def test_by_default_x_forwarded_for_cannot_claim_a_trusted_proxy(
    server: Started, tmp_path: Path
) -> None:
    """daphne's --proxy-headers believes X-Forwarded-For from anyone, so it stays off."""
    wait_healthy(server, tmp_path)
    forged = {
        "X-Forwarded-For": "10.0.0.5",
        "X-Forwarded-User": "mallory",
        "X-Forwarded-Groups": "system:masters",
    }
    assert get(server, "/api/v1/kinds", forged) == 401
    assert "ignored a forged X-Forwarded-User" in output(tmp_path)
    assert get(server, "/metrics", {"Authorization": "Bearer scrape-me"}) == 200


def test_refuses_the_placeholder_secret_key(tmp_path: Path) -> None:
    """A key copied from documentation is public: Django would sign with a known key."""
    placeholder = "replace-me-with-a-long-random-string"
    started = start(tmp_path, CRSCOPE_SECRET_KEY=placeholder)
    assert started.proc.wait(timeout=30) == 64
    assert "placeholder" in output(tmp_path)
    assert not (tmp_path / "db.sqlite3").exists()


def test_arguments_run_instead_of_the_server(tmp_path: Path) -> None:
    started = start(tmp_path, "python", "-c", "print('one-off')")
    assert started.proc.wait(timeout=30) == 0
    assert output(tmp_path).strip() == "one-off"
    assert not (tmp_path / "db.sqlite3").exists()
