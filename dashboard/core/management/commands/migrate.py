"""``migrate`` that takes a PostgreSQL advisory lock first, so replicas migrate one at a time.

Why override the command rather than the entrypoint: every start-up path (the image's
entrypoint, ``python -m devkit.demo``, the test server, an operator's Job) runs ``migrate``, and
each gets the lock this way. Two replicas of an upgrade start together; without the lock
both create the same tables and one crash-loops on "relation ... already exists". The
second waits for the first, then finds nothing left to apply. SQLite serves one process
and needs no lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

#: Any fixed 64-bit number that nothing else in the database locks ("crscope" in ASCII).
MIGRATE_LOCK_KEY = 0x63727363_6F706500


@contextlib.contextmanager
def migration_lock(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Hold the session-level advisory lock for the whole run (it spans the migrations'
    own transactions); without PostgreSQL, do nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Replicas on PostgreSQL take turns (an advisory lock)."

    def handle(self, *args: Any, **options: Any) -> None:
        with migration_lock(connections[options["database"]]):
            super().handle(*args, **options)
