"""Several replicas on one PostgreSQL: every notification is stored once and sent once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from devkit.dashboard_server import ROOT
from tests.dashboard.notify.receiver import Receiver
from tests.services import Postgres

pytestmark = pytest.mark.services


def fresh_database(server: Postgres) -> str:
    name = f"notify_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def test_three_replicas_send_each_notification_once(
    postgres_server: Postgres, receiver: Receiver
) -> None:
    objects = 15
    result = subprocess.run(
        [sys.executable, "-m", "tests.dashboard.notify.replicas", receiver.url, "3", str(objects)],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": fresh_database(postgres_server),
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["vendor"] == "postgresql"
    assert summary["errors"] == []
    # One notification per object for "each"; for "grouped", the first failure at once and
    # one shared window for the rest.
    assert summary["notifications"] == objects + 2
    assert summary["occurrences"] == 2 * objects, "replicas collided on the occurrence ids"
    assert sorted(summary["grouped_count"]) == [1, objects - 1]
    assert summary["sent"] == objects + 2
    ids = receiver.ids()
    assert sorted(ids) == sorted(summary["nids"]), "each notification sent exactly once"
    assert sum(summary["by_worker"]) == objects + 2
    grouped = [b["object_count"] for b in receiver.bodies() if b["rule"] == "grouped"]
    assert sorted(grouped) == [1, objects - 1]
