"""A kind's record at a past time: what existed, as which revision, and when to refuse.

The rows are written as the writer writes them (``revision_row``), at chosen times, so
each assertion names a moment of a known sequence of creates, updates and deletes.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from dashboard.history import asof, retention
from informers import ChangeType
from tests.dashboard.history import recording
from tests.dashboard.history.recording import KIND, T0, check, names_at, periods, record, widget

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sequence() -> None:
    recording.sequence()


def test_each_moment_shows_what_existed_then(sequence: None) -> None:
    assert names_at(T0 + 5) == {}
    assert names_at(T0 + 10) == {"a": 1}
    assert names_at(T0 + 25) == {"a": 2, "c": 4}
    assert names_at(T0 + 35) == {"a": 2, "b": 3, "c": 4}
    assert names_at(T0 + 45) == {"b": 3, "c": 4}


def test_namespaces_cut_the_past_as_they_cut_the_present(sequence: None) -> None:
    assert names_at(T0 + 35, ["ns"]) == {"a": 2, "b": 3}
    assert names_at(T0 + 35, ["other"]) == {"c": 4}
    assert names_at(T0 + 35, []) == {}


def test_times_the_record_cannot_answer_are_refused_with_the_reason() -> None:
    now = T0 + 1000
    periods((T0, T0 + 100), (T0 + 200, T0 + 990))
    assert check(T0 + 50, now) == "ok"
    assert check(T0 + 995, now) == "ok"  # the period still beating runs to now
    assert "future" in check(now + 60, now)
    assert "before crscope started recording" in check(T0 - 10, now)
    gap = check(T0 + 150, now)
    assert "not watching this kind from" in gap
    assert "2027-01-15 08:01:40 UTC to 2027-01-15 08:03:20 UTC" in gap


def test_a_dead_servers_period_ends_at_its_last_beat() -> None:
    now = T0 + 1000
    periods((T0, T0 + 100))
    assert "since then" in check(T0 + 500, now)


def test_nothing_recorded_yet_is_said() -> None:
    assert "no server has recorded this kind yet" in check(T0, T0 + 10)


@override_settings(CRSCOPE_HISTORY_MAX_REVISIONS=2)
def test_trimmed_objects_are_counted_not_shown_as_absent() -> None:
    record(ChangeType.ADDED, widget("busy", 1, 1), T0 + 1)
    for rv in range(2, 6):
        record(ChangeType.MODIFIED, widget("busy", rv, rv), T0 + rv * 10)
    record(ChangeType.ADDED, widget("calm", 9, 1), T0 + 3)
    retention.apply(T0 + 100)
    assert names_at(T0 + 5) == {"calm": 9}
    assert asof.unknown_at(KIND, T0 + 5, None) == 1
    assert asof.unknown_at(KIND, T0 + 5, ["other"]) == 0
    assert names_at(T0 + 45) == {"busy": 4, "calm": 9}
    assert asof.unknown_at(KIND, T0 + 45, None) == 0


def test_one_name_held_by_two_objects_reads_as_the_newer() -> None:
    """A relist that meets an object deleted and created again under its name records the
    new uid without a deletion of the old one: the newer row is the object then."""
    old = widget("dup", 1, 1)
    new = widget("dup", 5, 2)
    new["metadata"]["uid"] = "uid-ns-dup-2"
    record(ChangeType.ADDED, new, T0 + 20)  # written first: ids must not decide
    record(ChangeType.ADDED, old, T0 + 10)
    found = asof.revisions_at(KIND, T0 + 30, None)
    assert [r.uid for r in found] == ["uid-ns-dup", "uid-ns-dup-2"]
