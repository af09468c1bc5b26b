"""Fan-out: per-object coalescing, the overflow flag, and a hub no consumer can block.

Why in-process: these are the rules that keep the reflector from ever waiting on a slow
consumer; they need no apiserver, only changes.
"""

from __future__ import annotations

import pytest

from informers.changes import Change, ChangeType, EventRecord
from informers.fanout import Hub, Subscription, coalesce
from informers.status import State, Status
from informers.store import Entry

A, M, D = ChangeType.ADDED, ChangeType.MODIFIED, ChangeType.DELETED


def _entry(key: str, rv: str) -> Entry:
    obj = {"metadata": {"name": key.split("/")[-1], "resourceVersion": rv}}
    return Entry(key=key, obj=obj, status=Status(State.CURRENT, "Ready", ""), since=0.0)


def _change(
    change_type: ChangeType,
    key: str = "ns/a",
    *,
    rv: str = "1",
    paths: tuple[str, ...] = (),
    managers: tuple[str, ...] = (),
) -> Change:
    entry = _entry(key, rv)
    return Change(
        kind="t.crscope.test/gadgets",
        type=change_type,
        key=key,
        old=None if change_type == A else entry,
        new=None if change_type == D else entry,
        observed=0.0,
        managers=managers,
        changed_paths=paths,
    )


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [(A, M, A), (A, D, None), (M, M, M), (M, D, D), (D, A, M)],
)
def test_two_changes_of_one_object_coalesce_into_what_a_view_needs(
    first: ChangeType, second: ChangeType, merged: ChangeType | None
) -> None:
    result = coalesce(_change(first, rv="1"), _change(second, rv="2"))
    assert (result.type if result else None) == merged


def test_a_coalesced_change_keeps_the_first_old_state_and_all_paths_and_managers() -> None:
    first = _change(M, rv="1", paths=(".spec.a",), managers=("kubectl",))
    second = _change(M, rv="2", paths=(".spec.b", ".spec.a"), managers=("ctrl", "kubectl"))
    merged = coalesce(first, second)
    assert merged is not None
    assert merged.old is first.old and merged.new is second.new
    assert merged.changed_paths == (".spec.a", ".spec.b")
    assert merged.managers == ("kubectl", "ctrl")


def test_n_updates_to_one_object_take_one_slot_holding_the_newest_state() -> None:
    wakes: list[None] = []
    sub = Subscription(predicate=lambda c: True, notify=lambda: wakes.append(None))
    for rv in range(5):
        sub.offer(_change(M, rv=str(rv)))
    woken = len(wakes)
    sub.offer(_change(M, "ns/b"))
    assert len(wakes) == woken >= 1, "a consumer with work pending is not woken again"
    changes, overflowed = sub.drain()
    assert [c.key for c in changes] == ["ns/a", "ns/b"] and not overflowed
    assert changes[0].new is not None and changes[0].new.resource_version == "4"
    assert sub.stats.coalesced == 4 and sub.stats.delivered == 2


def test_an_object_added_and_deleted_before_the_drain_is_never_seen() -> None:
    sub = Subscription(predicate=lambda c: True)
    sub.offer(_change(A))
    sub.offer(_change(D))
    assert sub.drain() == ([], False)


def test_more_objects_than_the_bound_clear_the_queue_and_flag_a_resync() -> None:
    wakes: list[None] = []
    sub = Subscription(predicate=lambda c: True, notify=lambda: wakes.append(None), max_pending=2)
    for name in "abc":
        sub.offer(_change(A, f"ns/{name}"))
    sub.offer(_change(A, "ns/d"))  # ignored until the consumer resyncs
    assert sub.drain() == ([], True)
    assert sub.stats.overflows == 1 and len(wakes) >= 2
    sub.offer(_change(A, "ns/e"))
    changes, overflowed = sub.drain()
    assert [c.key for c in changes] == ["ns/e"] and not overflowed


def test_the_hub_filters_by_predicate_and_one_broken_consumer_starves_no_other() -> None:
    hub = Hub()

    def broken(change: Change) -> bool:
        raise RuntimeError("bug in a predicate")

    hub.subscribe(broken)
    only_b = hub.subscribe(lambda c: c.key == "ns/b")
    everything = hub.subscribe(lambda c: True)
    hub.publish(_change(A, "ns/a"))
    hub.publish(_change(A, "ns/b"))
    assert [c.key for c in only_b.drain()[0]] == ["ns/b"]
    assert [c.key for c in everything.drain()[0]] == ["ns/a", "ns/b"]


def test_an_unsubscribed_consumer_receives_nothing_more() -> None:
    hub = Hub()
    sub = hub.subscribe(lambda c: True)
    hub.unsubscribe(sub)
    hub.publish(_change(A))
    assert sub.drain() == ([], False) and hub.subscriptions() == []


def _event(involved_uid: str, reason: str = "Failed") -> EventRecord:
    return EventRecord(
        uid=f"ev-{involved_uid}-{reason}",
        involved_uid=involved_uid,
        kind="t.crscope.test/gadgets",
        namespace="ns",
        name="a",
        type="Warning",
        reason=reason,
        message="",
        count=1,
        first_seen=0.0,
        last_seen=0.0,
        source="",
        resource_version="1",
    )


def test_a_listener_gets_every_change_in_order_where_a_subscription_coalesces() -> None:
    """Recorders (history, notifications) need each revision; views need the newest."""
    hub = Hub()
    heard: list[tuple[ChangeType, str]] = []
    hub.listen(on_change=lambda c: heard.append((c.type, c.entry.resource_version)))
    view = hub.subscribe(lambda c: True)
    for change in (_change(A, rv="1"), _change(M, rv="2"), _change(M, rv="3")):
        hub.publish(change)
    assert heard == [(A, "1"), (M, "2"), (M, "3")]
    pending, _ = view.drain()
    assert [(c.type, c.entry.resource_version) for c in pending] == [(A, "3")]


def test_event_listeners_take_every_event_or_only_their_objects() -> None:
    hub = Hub()
    every: list[str] = []
    mine: list[str] = []
    hub.listen(on_event=lambda r: every.append(r.uid))
    hub.listen(on_event=lambda r: mine.append(r.uid), involved_uid="uid-a")
    hub.listen(on_change=lambda c: pytest.fail("a change listener got an Event"))
    hub.publish_event(_event("uid-a"))
    hub.publish_event(_event("uid-b"))
    assert every == ["ev-uid-a-Failed", "ev-uid-b-Failed"]
    assert mine == ["ev-uid-a-Failed"]


def test_a_failing_listener_is_logged_and_starves_no_other(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = Hub()

    def broken(change: Change) -> None:
        raise RuntimeError("bug in a listener")

    heard: list[str] = []
    hub.listen(on_change=broken)
    hub.listen(on_change=lambda c: heard.append(c.key))
    everything = hub.subscribe(lambda c: True)
    hub.publish(_change(A, "ns/a"))
    assert heard == ["ns/a"] and everything.depth == 1
    assert "a listener failed" in caplog.text


def test_an_unlistened_listener_hears_nothing_more() -> None:
    hub = Hub()
    heard: list[str] = []
    listener = hub.listen(on_event=lambda r: heard.append(r.uid), involved_uid="uid-a")
    hub.unlisten(listener)
    hub.publish_event(_event("uid-a"))
    assert heard == [] and hub.listeners() == []


def test_pages_on_one_object_come_and_go_without_disturbing_each_other() -> None:
    """Object listeners are indexed by uid: one page leaving keeps the other's listener,
    and a change never reaches a page's Event listener."""
    hub = Hub()
    first: list[str] = []
    second: list[str] = []
    leaving = hub.listen(on_event=lambda r: first.append(r.reason), involved_uid="uid-a")
    hub.listen(on_event=lambda r: second.append(r.reason), involved_uid="uid-a")
    hub.publish(_change(A))
    hub.publish_event(_event("uid-a", "Before"))
    hub.unlisten(leaving)
    hub.publish_event(_event("uid-a", "After"))
    assert first == ["Before"] and second == ["Before", "After"]
    assert [each.involved_uid for each in hub.listeners()] == ["uid-a"]
