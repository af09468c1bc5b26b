"""Two replicas that start at once both run ``migrate`` against one PostgreSQL database.

Why: a Deployment upgrade with 2+ replicas (or a rollout that surges) starts the pods
together, and each pod's entrypoint migrates. Without a lock both create the same tables
and one fails ("relation ... already exists", a duplicate ``pg_type`` row), so that pod
crash-loops and the upgrade stalls. ``migrate`` takes a PostgreSQL advisory lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from tests.deploy.conftest import ROOT
from tests.services import Postgres

pytestmark = pytest.mark.services
REPLICAS = 3


def _fresh_database(server: Postgres) -> str:
    name = f"mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres") as conn:
        conn.autocommit = True
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:{server.port}/{name}"


def _migrate(url: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSCOPE_")}
    env |= {"DATABASE_URL": url, "CRSCOPE_ENGINE": "off", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _applied_and_pending(url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRSCOPE_")}
    env |= {"DATABASE_URL": url, "CRSCOPE_ENGINE": "off", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "manage.py", "showmigrations", "--plan"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def test_replicas_migrating_at_once_all_succeed(postgres_server: Postgres) -> None:
    url = _fresh_database(postgres_server)
    procs = [_migrate(url) for _ in range(REPLICAS)]
    outcomes = [(p.wait(timeout=300), p.stdout.read().decode() if p.stdout else "") for p in procs]
    failed = [out for code, out in outcomes if code != 0]
    assert not failed, f"{len(failed)} of {REPLICAS} replicas failed to migrate:\n{failed[0]}"
    plan = _applied_and_pending(url)
    assert "[X]" in plan
    assert "[ ]" not in plan, plan  # every migration applied, none left behind
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        rows = conn.execute(
            "SELECT app, name, count(*) FROM django_migrations GROUP BY app, name"
            " HAVING count(*) > 1"
        ).fetchall()
        assert rows == []  # each migration recorded once
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
    assert {"history_revision", "django_session"} <= tables
