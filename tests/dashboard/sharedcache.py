"""Reading the test database while a service thread writes to it.

The test database is SQLite in shared-cache memory mode, where a reader meets a writer's
table lock as an immediate error ("database table is locked") instead of waiting for it.
Tests that read history or notifications while the writer thread runs go through these.

The settings open every transaction with BEGIN IMMEDIATE, so the per-test transaction of
a plain ``django_db`` test holds the write lock from its start: a thread that writes
during such a test fails at once. Tests with writer threads use ``transaction=True``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError

from tests.informers import kit


def read(query: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Run a read, retrying while another thread holds the table."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return query()
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def wait_until(predicate: Callable[[], object], **kwargs: Any) -> None:
    """``kit.wait_until``, counting a locked table as "not yet"."""

    def tolerant() -> object:
        try:
            return predicate()
        except OperationalError:
            return False

    kit.wait_until(tolerant, **kwargs)
