"""Watch periods: opened once a kind is synced, beaten while it stays so, closed at stop."""

from __future__ import annotations

import pytest

from dashboard.history.models import WatchPeriod
from dashboard.history.periods import Periods
from tests.dashboard.history.recording import KIND

pytestmark = pytest.mark.django_db(transaction=True)


def test_periods_open_beat_and_close() -> None:
    book = Periods()
    book.open(KIND, 100.0)
    book.open(KIND, 101.0)  # already open: the same period
    book.beat([KIND], 200.0)
    book.beat([], 300.0)  # the kind stopped syncing: its period ends at the last beat
    book.open(KIND, 400.0)
    book.close_all(500.0)
    spans = sorted(WatchPeriod.objects.values_list("started", "until"))
    assert spans == [(100.0, 200.0), (400.0, 500.0)]
