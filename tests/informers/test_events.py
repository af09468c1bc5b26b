"""Events about watched kinds become records; everything else is ignored.

Why in-process: ``EventSink`` is a ReflectorSink; a fake Events collection drives it
through a real reflector. The namespace rule has its own module
(``test_event_namespace``) and the live path is covered by the engine tests.
"""

from __future__ import annotations

from informers.changes import EventRecord
from informers.events import EventSink, event_record
from informers.reflector import Reflector
from informers.testing import (
    FakeClock,
    FakeListerWatcher,
    Watch,
    added,
    deleted,
    kube_event,
    modified,
    page,
    run_until_exhausted,
)


def _lookup(group: str, kind: str) -> str | None:
    return "t.crscope.test/gadgets" if (group, kind) == ("t.crscope.test", "Gadget") else None


def test_a_record_carries_what_the_timeline_shows() -> None:
    event = kube_event(
        "e1",
        message="failed: postgres://user:hunter2@db/x",
        count=4,
        firstTimestamp="2026-01-01T00:00:00Z",
        lastTimestamp="2026-01-01T00:05:00Z",
        source={"component": "gadget-controller"},
    )
    record = event_record(event, _lookup)
    assert record is not None
    assert (record.kind, record.namespace, record.name, record.involved_uid) == (
        "t.crscope.test/gadgets",
        "default",
        "a",
        "uid-a",
    )
    assert (record.type, record.reason, record.count) == ("Warning", "BackOff", 4)
    assert record.last_seen - record.first_seen == 300
    assert record.source == "gadget-controller"
    assert "hunter2" not in record.message, "connection strings are masked"


def test_the_sink_forwards_listed_and_watched_events_about_watched_kinds_only() -> None:
    records: list[EventRecord] = []
    sink = EventSink(lookup=_lookup, listeners=[records.append])
    clock = FakeClock()
    source = FakeListerWatcher(
        pages=[page([kube_event("e1"), kube_event("e2", kind="Pod")], rv=10)],
        watches=[
            Watch(
                added(kube_event("e3", rv=11)),
                modified(kube_event("e1", rv=12, count=2)),
                deleted(kube_event("e3", rv=13)),  # expiry: the record is kept
            )
        ],
        clock=clock,
    )
    reflector = Reflector(
        lister_watcher=source, sink=sink, name="events", clock=clock, list_mode="paged"
    )
    run_until_exhausted(reflector, source)
    assert [(r.uid, r.count) for r in records] == [("e1", 1), ("e3", 1), ("e1", 2)]
    assert sink.seen == 3
