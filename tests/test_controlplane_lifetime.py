"""A control plane left behind is found and stopped by the next one in the same state
directory, and only processes that still run what was recorded are ever signalled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.lifetime import PidFile, alive, cmdline, die_with_parent


def _wait_gone(pid: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    # Popen can return before /proc shows the new program's arguments (seen here: an empty
    # cmdline right after it returned), so wait for them.
    deadline = time.monotonic() + 30
    while cmdline(proc.pid)[1:2] != ["-c"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cmdline(proc.pid)[1:2] == ["-c"]
    yield proc
    proc.kill()
    proc.wait()


def test_a_recorded_process_still_running_its_command_is_stopped(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    pids = PidFile(tmp_path, "demo")
    pids.record("server", sleeper.pid)
    assert pids.stop_stale() == [sleeper.pid]
    sleeper.wait(30)
    assert not pids.path.exists()


def test_a_reused_pid_running_something_else_is_left_alone(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    """The pid file outlived its process and the pid now belongs to another program."""
    pids = PidFile(tmp_path, "controlplane")
    pids.path.write_text(
        json.dumps({"etcd": {"pid": sleeper.pid, "cmdline": ["etcd", "--data-dir", "x"]}})
    )
    assert pids.stop_stale() == []
    assert sleeper.poll() is None
    assert not pids.path.exists()


def test_a_child_dies_with_its_parent(tmp_path: Path) -> None:
    """The parent (a python that starts a sleeper with die_with_parent) is SIGKILLed."""
    script = (
        "import subprocess, sys, time\n"
        "from devkit.controlplane.lifetime import die_with_parent\n"
        "child = subprocess.Popen(['sleep', '600'], preexec_fn=die_with_parent())\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait(30)
    assert _wait_gone(child), "the child outlived its SIGKILLed parent"
    assert die_with_parent() is not None  # Linux: the guard is really in place


@pytest.mark.cluster
@pytest.mark.timeout(600)
def test_a_new_control_plane_stops_the_one_left_in_its_state_dir(tmp_path: Path) -> None:
    old = ControlPlane(state_dir=tmp_path).start()
    assert old._etcd is not None and old._apiserver is not None
    left_behind = [old._etcd.pid, old._apiserver.pid]
    # The owner vanished without stop(): its processes and pid file are still there.
    new = ControlPlane(state_dir=tmp_path)
    try:
        new.start(timeout=300)
        for pid in left_behind:
            assert _wait_gone(pid), f"pid {pid} of the earlier control plane still runs"
        assert new.request("GET", "/readyz")[0] == 200
    finally:
        new.stop()
        for proc in (old._etcd, old._apiserver):
            if proc.poll() is None and not _wait_gone(proc.pid, 0):
                proc.kill()  # the guard failed: do not leak them from the test either
            proc.wait(30)  # reap our own children
    assert not PidFile(tmp_path, "controlplane").path.exists()
