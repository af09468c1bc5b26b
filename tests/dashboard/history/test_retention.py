"""History retention: by age with a baseline per object, and by rows per object."""

from __future__ import annotations

import pytest
from django.test import override_settings

from dashboard.history import retention
from dashboard.history.models import Revision
from informers import ChangeType
from tests.dashboard.history import recording
from tests.dashboard.history.recording import T0, check, names_at, periods, record, widget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sequence() -> None:
    recording.sequence()


@override_settings(CRSCOPE_HISTORY_MAX_AGE_DAYS=1)
def test_retention_keeps_each_objects_state_at_the_horizon(sequence: None) -> None:
    """An object unchanged since before the cutoff must still be in a later list; one
    deleted before it must be gone from the record."""
    now = T0 + 86400 + 25  # the cutoff falls between a's resize (+20) and b's creation (+30)
    periods((T0, now))
    retention.apply(now)
    assert names_at(T0 + 26) == {"a": 2, "c": 4}
    assert sorted(Revision.objects.values_list("name", "resource_version")) == [
        ("a", "2"),
        ("a", "2"),  # its deletion (+40), after the cutoff
        ("b", "3"),
        ("c", "4"),
    ]
    assert "retention horizon" in check(T0 + 24, now)
    assert check(T0 + 26, now) == "ok"


@override_settings(CRSCOPE_HISTORY_MAX_AGE_DAYS=1)
def test_an_object_deleted_before_the_horizon_leaves_no_row() -> None:
    record(ChangeType.ADDED, widget("gone", 1, 1), T0 + 1)
    record(ChangeType.DELETED, widget("gone", 1, 1), T0 + 2)
    retention.apply(T0 + 86400 + 10)
    assert not Revision.objects.filter(name="gone").exists()


@override_settings(CRSCOPE_HISTORY_MAX_AGE_DAYS=1)
def test_a_kind_no_longer_recorded_keeps_nothing_older_than_the_horizon() -> None:
    """Baselines serve past lists; a kind no server has watched since the cutoff has none
    to serve, and its old rows must go as the retention setting promises."""
    record(ChangeType.ADDED, widget("orphan", 1, 1), T0 + 1)
    periods((T0, T0 + 5))  # watched briefly, long ago
    retention.apply(T0 + 86400 + 10)
    assert not Revision.objects.filter(name="orphan").exists()
