"""``python -m devkit.demo``: a real local cluster, sample CRDs with churn, and the dashboard.

Why: one entry point (``make demo``) that a new user runs to see the product on live data.
It is a developer tool, so it lives in ``devkit/`` beside the control-plane harness it
drives, and the image (which ships neither) has no demo command that could only fail.
Django is configured in-process only to migrate the demo's database; the dashboard itself
runs as a daphne subprocess, as in production.
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


def _migrate() -> None:
    """The demo's database is its own to prepare (make demo used to do it, so a direct run
    served 500s on every page that reads history or notifications)."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


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
    _migrate()
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
    from devkit.controlplane.lifetime import die_with_parent
    from devkit.controlplane.samples import apply_crds, seed_objects

    cp = ControlPlane(state_dir=state_dir)
    server: subprocess.Popen[bytes] | None = None
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
        env = {
            "CRSCOPE_NOTIFY_RULES": str(rules),
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "CRSCOPE_ENGINE": "on",  # the demo's dashboard is nothing without its engine
            "CRSCOPE_CLUSTER_NAME": "crscope-demo",
            "CRSCOPE_AUTH_MODE": "none",
            "CRSCOPE_SECURE_COOKIES": "false",
        }
        argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(options.port)]
        argv.append("dashboard.asgi:application")
        server = subprocess.Popen(
            argv,
            env=env,
            preexec_fn=die_with_parent(),  # like etcd and the apiserver: gone with the demo
        )
        demo_pids(state_dir).record("server", server.pid, argv)
        while server.poll() is None:
            time.sleep(0.5)
        raise DemoError(f"the dashboard server exited with {server.returncode}")
    finally:
        if churn is not None:
            churn.stop()
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        demo_pids(state_dir).forget("server")
        cp.stop()


if __name__ == "__main__":
    sys.exit(main())
