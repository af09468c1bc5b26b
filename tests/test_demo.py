"""``python -m devkit.demo`` run by hand, as a new user would: it prepares its own database, says
at once when its port is taken, and takes its cluster with it when it is killed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.controlplane.cluster import free_port
from devkit.controlplane.lifetime import PidFile, alive
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = "demo.crscope.dev/widgets"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSCOPE_")}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PYTHONPATH": str(ROOT)}


def _demo(tmp_path: Path, *, port: int, state_dir: Path) -> subprocess.Popen[bytes]:
    log = open(tmp_path / f"demo-{port}.log", "wb")  # noqa: SIM115
    args = ["--port", str(port), "--state-dir", str(state_dir), "--churn-rate", "0"]
    return subprocess.Popen(
        [sys.executable, "-m", "devkit.demo", *args, "--objects-per-kind", "1"],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _ready(demo: subprocess.Popen[bytes], port: int) -> bool:
    if demo.poll() is not None:
        raise AssertionError(f"the demo exited with {demo.returncode}")
    try:
        return _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
    except OSError:
        return False


def _children(state_dir: Path) -> dict[str, int]:
    """etcd, kube-apiserver and the dashboard server, as the demo recorded them."""
    return {**PidFile(state_dir, "controlplane").running(), **PidFile(state_dir, "demo").running()}


@pytest.fixture
def reaper() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.cluster
@pytest.mark.timeout(900)  # a whole demo starts: cluster, seed objects, dashboard
def test_a_direct_demo_serves_its_pages_and_its_cluster_dies_with_it(
    tmp_path: Path, reaper: list[subprocess.Popen[bytes]]
) -> None:
    port, state_dir = free_port(), tmp_path / "state"
    demo = _demo(tmp_path, port=port, state_dir=state_dir)
    reaper.append(demo)
    wait_until(lambda: _ready(demo, port), timeout=300, message="the demo's dashboard is ready")
    base = f"http://127.0.0.1:{port}"

    # Pages that read the database: a demo that skipped its migration answered 500.
    status, body = _get(f"{base}/api/v1/resources/{WIDGETS}")
    assert status == 200, body[:300]
    item = json.loads(body)["items"][0]
    ns, name = item["namespace"], item["name"]
    for path in (
        f"/k/{WIDGETS}/{ns}/{name}/",
        f"/api/v1/resources/{WIDGETS}/namespaces/{ns}/{name}/history",
        "/notifications/",
    ):
        status, body = _get(base + path)
        assert status == 200, f"{path}: {status} {body[:300]!r}"

    children = _children(state_dir)
    assert {"etcd", "apiserver", "server"} <= children.keys()
    demo.send_signal(signal.SIGKILL)
    demo.wait(30)
    wait_until(
        lambda: not any(alive(pid) for pid in children.values()),
        timeout=30,
        message=f"etcd, kube-apiserver and the dashboard ({children}) gone with the demo",
    )


@pytest.mark.cluster
@pytest.mark.timeout(1200)  # two demos start, one after the other
def test_a_new_demo_stops_a_stale_one_from_the_same_state_dir(
    tmp_path: Path, reaper: list[subprocess.Popen[bytes]]
) -> None:
    """The old demo still runs (its terminal was lost, or make was killed under it): it holds
    the cluster's files and would hold the port; the new one stops it and starts."""
    state_dir = tmp_path / "state"
    old_port, new_port = free_port(), free_port()
    old = _demo(tmp_path, port=old_port, state_dir=state_dir)
    reaper.append(old)
    wait_until(lambda: _ready(old, old_port), timeout=300, message="the first demo is ready")
    old_children = _children(state_dir)

    new = _demo(tmp_path, port=new_port, state_dir=state_dir)
    reaper.append(new)
    wait_until(lambda: old.poll() is not None, timeout=120, message="the stale demo stopped")
    wait_until(
        lambda: not any(alive(pid) for pid in old_children.values()),
        timeout=30,
        message="the stale demo's cluster and dashboard stopped",
    )
    wait_until(lambda: _ready(new, new_port), timeout=300, message="the new demo is ready")
    log = (tmp_path / f"demo-{new_port}.log").read_text()
    assert f"stopped a previous demo still running from {state_dir}" in log


def test_a_busy_port_is_reported_before_anything_is_built(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "devkit.demo", "--port", str(port), "--state-dir", state_dir],
            cwd=ROOT,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stderr and "already in use" in result.stderr
    assert "Traceback" not in result.stderr
    assert not state_dir.exists(), "nothing is started or written before the port is known"
    assert not (tmp_path / "db.sqlite3").exists()


def test_make_demo_takes_the_port_from_the_command_line() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "demo", "PORT=8080"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    demo_lines = [line for line in dry_run.stdout.splitlines() if "-m devkit.demo" in line]
    assert demo_lines and all("--port 8080" in line for line in demo_lines)
    assert "migrate" not in dry_run.stdout  # the demo migrates its own database


def test_the_product_has_no_demo_command(tmp_path: Path) -> None:
    """The demo is a developer tool (``devkit``); the image's ``manage.py`` must not offer a
    command that can only fail there."""
    result = subprocess.run(
        [sys.executable, "manage.py", "demo"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Unknown command: 'demo'" in result.stderr
