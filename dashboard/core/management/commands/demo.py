"""``manage.py demo``: a real local cluster, sample CRDs with churn, and the dashboard.

Why a management command: one entry point (``make demo``) that a new user runs to see the
product on live data. It is a developer tool: it imports the control-plane harness from
``tests/``, which is not part of the runtime image.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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


class Command(BaseCommand):
    help = "Start a local kube-apiserver with sample CRDs and churn, and serve the dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--state-dir", default=".demo")
        parser.add_argument(
            "--churn-rate", type=float, default=3.0, help="churn actions per second (0 = off)"
        )
        parser.add_argument("--objects-per-kind", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from tests.controlplane import BuildError, ControlPlane
            from tests.controlplane.churn import Churn
            from tests.controlplane.kubehttp import KubeHTTP
            from tests.controlplane.samples import apply_crds, seed_objects
        except ImportError as exc:  # the runtime image ships without tests/
            raise CommandError(f"the demo needs the source checkout: {exc}") from exc

        state_dir = Path(options["state_dir"]).resolve()
        cp = ControlPlane(state_dir=state_dir)
        try:
            cp.start()
        except BuildError as exc:
            raise CommandError(str(exc)) from exc
        server: subprocess.Popen[bytes] | None = None
        churn = None
        try:
            client = KubeHTTP.from_kubeconfig(cp.kubeconfig_path("admin"))
            apply_crds(client)
            namespaces = ["team-a", "team-b", "payments"]
            seed_objects(
                client,
                namespaces=namespaces,
                per_kind=options["objects_per_kind"],
                rng=random.Random(7),
            )
            churn = Churn(client, namespaces=namespaces, rate=options["churn_rate"]).start()
            kubeconfig = cp.kubeconfig_path("admin")
            self.stdout.write(f"kubeconfig: {kubeconfig}")
            self.stdout.write(f"limited-user kubeconfig: {cp.kubeconfig_path('limited')}")
            self.stdout.write(f"dashboard: http://127.0.0.1:{options['port']}  (Ctrl-C stops)")
            rules = state_dir / "notify-rules.yaml"
            rules.write_text(DEMO_RULES)
            env = {
                "CRSCOPE_NOTIFY_RULES": str(rules),
                **os.environ,
                "KUBECONFIG": str(kubeconfig),
                "CRSCOPE_CLUSTER_NAME": "crscope-demo",
                "CRSCOPE_AUTH_MODE": "none",
                "CRSCOPE_SECURE_COOKIES": "false",
            }
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(options["port"]),
                    "dashboard.asgi:application",
                ],
                env=env,
            )
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            while server.poll() is None:
                time.sleep(0.5)
            raise CommandError(f"the dashboard server exited with {server.returncode}")
        except KeyboardInterrupt:
            self.stdout.write("stopping")
        finally:
            if churn is not None:
                churn.stop()
            if server is not None and server.poll() is None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
            cp.stop()
