"""The writer's watch periods against a fake engine: when recording is vouched for.

Why fakes: the cases are states a real cluster reaches only slowly or by accident (a kind
that stops being listable, a CRD deleted and created again, a database error during
upkeep); the writer only reads ``informers()``, ``synced``, ``unavailable`` and the store.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import OperationalError

from dashboard.history import asof, periods
from dashboard.history.models import Revision, WatchPeriod
from dashboard.history.writer import HistoryWriter
from informers import ChangeType
from tests.dashboard.history.recording import KIND, record, widget

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class FakeKind:
    key: str = KIND


@dataclass
class FakeStore:
    entries: list[Any] = field(default_factory=list)

    def list(self) -> list[Any]:
        return self.entries


@dataclass
class FakeInformer:
    kind: FakeKind = field(default_factory=FakeKind)
    store: FakeStore = field(default_factory=FakeStore)
    synced: bool = True
    unavailable: object | None = None


@dataclass
class FakeEngine:
    kinds: list[FakeInformer]

    def informers(self) -> list[FakeInformer]:
        return list(self.kinds)


def upkeep(writer: HistoryWriter) -> None:
    """One upkeep pass with the heartbeat due."""
    writer._periods._last_beat = -periods.BEAT
    writer._maintain()


def spans() -> list[bool]:
    return list(WatchPeriod.objects.order_by("id").values_list("closed", flat=True))


def test_a_kind_that_cannot_be_listed_stops_being_vouched_for() -> None:
    informer = FakeInformer()
    writer = HistoryWriter()
    writer._engine = FakeEngine([informer])  # type: ignore[assignment]
    upkeep(writer)
    assert spans() == [False]
    informer.unavailable = object()  # 403s past the grace period: nothing is recorded
    upkeep(writer)
    assert spans() == [True]
    now = time.time()
    assert "since then" in str(_refusal(now + 1, now=now + 120))


def test_a_kind_watched_anew_is_reconciled_again_and_starts_a_new_period() -> None:
    record(ChangeType.ADDED, widget("gone", 1, 1), time.time() - 5)
    first = FakeInformer()
    writer = HistoryWriter()
    writer._engine = FakeEngine([first])  # type: ignore[assignment]
    upkeep(writer)
    assert Revision.objects.filter(name="gone", type="DELETED").count() == 1
    Revision.objects.filter(name="gone", type="DELETED").delete()  # as if recreated since
    writer._engine = FakeEngine([FakeInformer()])  # type: ignore[assignment]
    upkeep(writer)
    assert Revision.objects.filter(name="gone", type="DELETED").count() == 1
    assert spans() == [True, False]


def test_upkeep_failing_once_does_not_end_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = HistoryWriter()
    writer._engine = FakeEngine([FakeInformer()])  # type: ignore[assignment]
    calls = {"n": 0}
    real_open = periods.Periods.open

    def flaky_open(self: periods.Periods, kind: str, now: float) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")
        real_open(self, kind, now)

    monkeypatch.setattr(periods.Periods, "open", flaky_open)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while not WatchPeriod.objects.exists():
            assert time.monotonic() < deadline, "no period after a failed upkeep"
            threading.Event().wait(0.05)
        assert writer._thread is not None and writer._thread.is_alive()
        assert writer.errors >= 1
    finally:
        writer.stop()


def _refusal(at: float, *, now: float) -> str:
    try:
        asof.coverage(KIND, now=now).check(at, now=now)
    except asof.NotRecorded as exc:
        return str(exc)
    return "ok"
