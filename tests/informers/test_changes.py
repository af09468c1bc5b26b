"""The change record: its enum spelling, its defaults, its immutability and ``entry``.

Why: history, the UI fan-out, notifications and the watch stream all read ``Change`` and
``EventRecord``; the ADDED/MODIFIED/DELETED words are written to the wire and to stored
rows, and ``entry`` is what every consumer shows. Pin those in-process.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from informers.changes import Change, ChangeType, EventRecord
from informers.status import State, Status
from informers.store import Entry


def _entry(name: str, state: State = State.CURRENT) -> Entry:
    obj = {"metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}"}}
    return Entry(key=f"ns/{name}", obj=obj, status=Status(state, "", ""), since=1.0)


def _change(kind: ChangeType, old: Entry | None, new: Entry | None) -> Change:
    return Change(kind="Widget", type=kind, key="ns/w", old=old, new=new, observed=5.0)


def test_change_types_are_spelled_as_the_watch_api_spells_them() -> None:
    assert [t.value for t in ChangeType] == ["ADDED", "MODIFIED", "DELETED"]
    assert ChangeType("DELETED") is ChangeType.DELETED
    # A StrEnum: it serializes and compares as its word.
    assert ChangeType.ADDED == "ADDED"
    assert json.dumps({"type": ChangeType.MODIFIED}) == '{"type": "MODIFIED"}'
    with pytest.raises(ValueError):
        ChangeType("BOOKMARK")


def test_an_added_change_shows_its_new_state() -> None:
    new = _entry("w")
    assert _change(ChangeType.ADDED, None, new).entry is new


def test_a_modified_change_shows_the_new_state_not_the_old() -> None:
    old, new = _entry("w", State.IN_PROGRESS), _entry("w", State.CURRENT)
    assert _change(ChangeType.MODIFIED, old, new).entry is new


def test_a_deleted_change_shows_the_last_state_seen() -> None:
    old = _entry("w", State.TERMINATING)
    assert _change(ChangeType.DELETED, old, None).entry is old


def test_a_change_with_neither_state_has_no_entry() -> None:
    with pytest.raises(AssertionError):
        _ = _change(ChangeType.DELETED, None, None).entry


def test_a_change_defaults_to_a_plain_observed_transition() -> None:
    change = _change(ChangeType.ADDED, None, _entry("w"))
    assert change.managers == ()
    assert change.changed_paths == ()
    assert change.managed is None
    assert change.tombstone is False
    assert change.initial is False


def test_a_change_is_immutable_and_compares_by_value() -> None:
    new = _entry("w")
    change = _change(ChangeType.ADDED, None, new)
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.tombstone = True  # type: ignore[misc]
    assert change == _change(ChangeType.ADDED, None, new)
    tomb = dataclasses.replace(change, type=ChangeType.DELETED, old=new, new=None, tombstone=True)
    assert tomb.tombstone and tomb.entry is new
    assert change.tombstone is False


def test_an_event_record_keeps_its_own_raw_dict() -> None:
    def record() -> EventRecord:
        return EventRecord(
            uid="e1",
            involved_uid="uid-w",
            kind="Widget",
            namespace=None,
            name="w",
            type="Warning",
            reason="BackOff",
            message="m",
            count=2,
            first_seen=1.0,
            last_seen=2.0,
            source="ctrl",
            resource_version="7",
        )

    first, second = record(), record()
    assert first.raw == {}
    assert first.raw is not second.raw, "the default must not be shared between records"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.count = 3  # type: ignore[misc]
