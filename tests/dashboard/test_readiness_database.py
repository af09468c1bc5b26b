"""``/readyz`` is not ready while the database schema is missing or behind.

Why: started on an empty database (a skipped ``migrate``), object pages, notifications and
the history API answered 500 while readiness said ready, so the pod took traffic it could
not serve. The reason given names no table or kind (the probe is unauthenticated).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.dashboard_server import DashboardServer
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


def test_not_ready_until_the_schema_is_migrated(
    control_plane: ControlPlane, sample_crds: list[str], tmp_path: Path
) -> None:
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"), workdir=tmp_path, migrate=False
    )
    server.start(wait=False)
    try:
        wait_for(lambda: _get(f"{server.url}/healthz")[0] == 200, timeout=60, what="serving")

        def schema_reported() -> str | None:
            status, body = _get(f"{server.url}/readyz")
            return body if status == 503 and "database schema" in body else None

        # The engine syncs meanwhile; the schema alone keeps the pod out of service.
        wait_for(
            lambda: (body := schema_reported()) and "syncing" not in body,
            timeout=60,
            what="only the schema is not ready",
        )
        server.run_migrate()
        wait_for(lambda: _get(f"{server.url}/readyz")[0] == 200, timeout=60, what="ready")
    finally:
        server.stop()
