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
import time
import uuid

import psycopg
import pytest

from dashboard.core.management.commands.migrate import MIGRATE_LOCK_KEY
from tests.deploy.rendered import ROOT
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


def test_a_replica_waits_for_the_lock_another_holds(postgres_server: Postgres) -> None:
    """The deterministic half: hold the lock as another replica would, and watch a
    ``migrate`` wait for it in PostgreSQL itself, touching nothing until it is free."""
    url = _fresh_database(postgres_server)
    database = url.rsplit("/", 1)[1]
    admin = f"postgresql://postgres@127.0.0.1:{postgres_server.port}/postgres"
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as holder:
        holder.autocommit = True
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
        proc = _migrate(url)
        deadline = time.monotonic() + 120
        with psycopg.connect(admin) as watcher:
            watcher.autocommit = True
            while True:
                (waiting,) = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
                    [database],
                ).fetchone() or (0,)
                if waiting:
                    break
                output = (
                    proc.stdout.read().decode() if proc.poll() is not None and proc.stdout else ""
                )
                assert proc.poll() is None, f"migrate did not wait for the lock:\n{output}"
                assert time.monotonic() < deadline, "migrate never asked for the lock"
                time.sleep(0.1)  # polling interval of a bounded wait
        tables = {r[0] for r in holder.execute("SELECT tablename FROM pg_tables").fetchall()}
        assert "django_migrations" not in tables  # nothing done while the lock is held
        holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])
    assert proc.wait(timeout=300) == 0
    assert "[ ]" not in _applied_and_pending(url)
