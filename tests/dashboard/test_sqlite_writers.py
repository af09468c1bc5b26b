"""Two connections that read-then-write the same SQLite file must wait, not fail.

The dashboard's default database is a SQLite file shared by request threads and the
service threads (history recorder, notification worker). ``update_or_create`` reads and
then writes inside one transaction; in SQLite's default deferred mode that write fails
at once with "database is locked" when another connection committed in between, which
surfaced as a 500 on ``/notifications/`` while the worker recorded a delivery. The test
runs the real settings in a child process against a file database, so it sees the same
connection options as the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import OperationalError, connection
call_command("migrate", verbosity=0)
from dashboard.notify.models import ReadMark

errors, done = [], []
stop = time.monotonic() + 1.5

def mark(user):
    count = 0
    while time.monotonic() < stop:
        try:
            ReadMark.objects.update_or_create(username=user, defaults={"read_at": time.time()})
            count += 1
        except OperationalError as exc:
            errors.append(str(exc))
    done.append(count)
    connection.close()

threads = [threading.Thread(target=mark, args=(u,)) for u in ("a", "b", "c")]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors), len(done), errors[:1])
"""


def test_concurrent_read_then_write_transactions_wait_for_the_lock(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CRSCOPE_ENGINE": "off",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    errors, finished, sample = result.stdout.split(maxsplit=2)
    assert errors == "0", f"lock errors under concurrent writers: {sample}"
    assert finished == "3", f"a writer thread died: {result.stderr[-2000:]}"
