"""``python -m devkit.demo``: a real local cluster, sample CRDs with churn, and the dashboard.

Why: one entry point (``make demo``) that a new user runs to see the product on live data.
It is a developer tool, so it lives in ``devkit/`` beside the control-plane harness it
drives, and the image (which ships neither) has no demo command that could only fail.
The dashboard runs as a daphne subprocess, as in production, started by the same runner
the tests use (``devkit/dashboard_server.py``); it migrates the demo's database, kept in
the state directory unless ``DATABASE_URL`` names another.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from devkit.controlplane.preflight import PreflightError, demo_pids, preflight

#: In-app notification rules for the demo, so the bell and /notifications/ have something
#: to show: the churn fails a Database or a Widget every few seconds.
DEMO_RULES = """\
rules:
  - name: database-failed
    description: A demo Database gave up reconciling (one message per object per minute)
    match: {kinds: [demo.crscope.dev/databases]}
    trigger: {state: Failed}
    debounce: 1m
  - name: widgets-failed
    description: Widgets that failed, gathered into one message a minute
    match: {kinds: [demo.crscope.dev/widgets]}
    trigger: {state: Failed}
    debounce: 1m
    group: true
  - name: anything-stuck
    description: Objects in progress for longer than their kind's stuck threshold
    trigger: stuck
    debounce: 5m
    group: true
"""


class DemoError(Exception):
    """The demo cannot go on; the message says why (printed without a traceback)."""


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP (a closed terminal) stop the demo as Ctrl-C does: cleanly."""
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.demo",
        description="Start a local kube-apiserver with sample CRDs and churn, and serve the "
        "dashboard.",
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--state-dir", default=".demo")
    parser.add_argument(
        "--churn-rate", type=float, default=3.0, help="churn actions per second (0 = off)"
    )
    parser.add_argument("--objects-per-kind", type=int, default=8)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo until Ctrl-C, SIGTERM or SIGHUP; the exit code says how it ended."""
    options = _parser().parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # logs in order
    state_dir = Path(options.state_dir).resolve()
    try:  # before anything slow: a stale demo stopped, the port known to be free
        preflight(port=options.port, state_dir=state_dir)
    except PreflightError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    state_dir.mkdir(parents=True, exist_ok=True)
    pids = demo_pids(state_dir)
    pids.record("demo", os.getpid())
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        _run(state_dir, options)
    except KeyboardInterrupt:
        print("stopping")
    except DemoError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    finally:
        pids.forget("demo")
    return 0


def _run(state_dir: Path, options: argparse.Namespace) -> None:
    from devkit.controlplane import BuildError, ControlPlane
    from devkit.controlplane.churn import Churn
    from devkit.controlplane.kubehttp import KubeHTTP
    from devkit.controlplane.samples import apply_crds, seed_objects
    from devkit.dashboard_server import DashboardServer

    cp = ControlPlane(state_dir=state_dir)
    server: DashboardServer | None = None
    churn = None
    try:
        try:
            cp.start()
        except BuildError as exc:
            raise DemoError(str(exc)) from exc
        client = KubeHTTP.from_kubeconfig(cp.kubeconfig_path("admin"))
        apply_crds(client)
        namespaces = ["team-a", "team-b", "payments"]
        seed_objects(
            client,
            namespaces=namespaces,
            per_kind=options.objects_per_kind,
            rng=random.Random(7),
        )
        churn = Churn(client, namespaces=namespaces, rate=options.churn_rate).start()
        kubeconfig = cp.kubeconfig_path("admin")
        print(f"kubeconfig: {kubeconfig}")
        print(f"limited-user kubeconfig: {cp.kubeconfig_path('limited')}")
        print(f"dashboard: http://127.0.0.1:{options.port}  (Ctrl-C stops)")
        rules = state_dir / "notify-rules.yaml"
        rules.write_text(DEMO_RULES)
        server = DashboardServer(
            kubeconfig=kubeconfig,
            workdir=state_dir / "dashboard",
            port=options.port,
            database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{state_dir / 'db.sqlite3'}",
            console=True,
            tied=True,  # like etcd and the apiserver: gone with the demo
            extra_env={
                # the operator's own rules file, if they named one, wins over the demo's
                "CRSCOPE_NOTIFY_RULES": os.environ.get("CRSCOPE_NOTIFY_RULES", str(rules)),
                "CRSCOPE_CLUSTER_NAME": "crscope-demo",
                "CRSCOPE_AUTH_MODE": "none",
            },
        )
        try:  # assigned first, so a Ctrl-C during the start still stops the server
            server.start(wait=False)
        except subprocess.CalledProcessError as exc:
            raise DemoError(f"migrating the demo's database failed ({exc})") from exc
        assert server.pid is not None
        demo_pids(state_dir).record("server", server.pid, server.argv)
        while (code := server.exited()) is None:
            time.sleep(0.5)
        raise DemoError(f"the dashboard server exited with {code}")
    finally:
        if churn is not None:
            churn.stop()
        if server is not None:
            server.stop()
        demo_pids(state_dir).forget("server")
        cp.stop()


if __name__ == "__main__":
    sys.exit(main())
