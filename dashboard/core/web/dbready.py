"""Is the database ready to serve: reachable, with its schema present and up to date?

Why readiness asks: object pages, ``/notifications/`` and the history API all read the
database. Started against an empty or older database (a new volume, a skipped
``migrate``), they answered 500 while ``/readyz`` said ready, so the pod took traffic it
could not serve. A pending migration, or a database that cannot be reached, now keeps
the pod out of service and says why. A positive answer is remembered briefly: probes
come every few seconds and the check loads the migration graph.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

log = logging.getLogger(__name__)

OK_FOR_SECONDS = 30.0
SCHEMA_BEHIND = "the database schema is missing or behind: run manage.py migrate"
UNREACHABLE = "the database is unreachable"

_lock = threading.Lock()
_ok_until = 0.0


def problem() -> str | None:
    """None when the database is ready, else a reason that names nothing secret."""
    global _ok_until
    if time.monotonic() < _ok_until:
        return None
    try:
        executor = MigrationExecutor(connections["default"])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        log.warning("readiness: the database is unreachable: %s", exc)
        return UNREACHABLE
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending)
        log.warning("readiness: %d migration(s) not applied: %s", len(pending), names)
        return SCHEMA_BEHIND
    with _lock:
        _ok_until = time.monotonic() + OK_FOR_SECONDS
    return None
