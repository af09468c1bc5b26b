"""The reflector's rules, in-process: a scripted ListerWatcher and virtual time.

Why: these rules are about which request comes next and how long the reflector waits in
between; the fakes in ``informers.testing`` make each one a fast, exact test. The
real-apiserver tests (``test_reflector_faults``, ``test_reflector_resume``,
``test_engine_convergence``) keep the fakes honest.
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.backoff import Backoff
from informers.changes import Change, ChangeType
from informers.informer import Informer
from informers.kinds import KindInfo
from informers.listwatch import ApiError
from informers.reflector import ListMode, Reflector
from informers.testing import (
    FakeClock,
    FakeListerWatcher,
    RecordingSink,
    Tick,
    Watch,
    added,
    bookmark,
    connection_dropped,
    deleted,
    gadget,
    gone,
    gone_event,
    modified,
    page,
    run_until_exhausted,
    server_error,
    too_many_requests,
)

GADGETS = KindInfo(
    group="t.crscope.test", version="v1", kind="Gadget", plural="gadgets", namespaced=True
)


def _reflector(
    source: FakeListerWatcher,
    sink: Any,
    clock: FakeClock,
    *,
    list_mode: ListMode = "paged",
    page_size: int = 500,
) -> Reflector:
    return Reflector(
        lister_watcher=source,
        sink=sink,
        name="gadgets",
        clock=clock,
        list_mode=list_mode,
        page_size=page_size,
        # No jitter: the waits are exact.
        backoff=Backoff(jitter=0.0, clock=clock),
    )


def _run(
    pages: list[Any], watches: list[Any], *, sink: Any = None, **kwargs: Any
) -> tuple[Reflector, FakeListerWatcher, Any, FakeClock]:
    clock = FakeClock()
    source = FakeListerWatcher(pages=pages, watches=watches, clock=clock)
    sink = sink if sink is not None else RecordingSink()
    reflector = _reflector(source, sink, clock, **kwargs)
    run_until_exhausted(reflector, source)
    return reflector, source, sink, clock


def _watched_rvs(source: FakeListerWatcher) -> list[str]:
    return [w.resource_version for w in source.watch_calls]


def test_the_initial_list_follows_continue_tokens_then_watches_from_its_rv() -> None:
    pages = [
        page([gadget("a", 3), gadget("b", 4)], rv=9, continue_token="t1", remaining=1),
        page([gadget("c", 8)], rv=10),
    ]
    reflector, source, sink, _ = _run(pages, [], page_size=2)

    assert [(c.limit, c.continue_token) for c in source.list_calls] == [(2, ""), (2, "t1")]
    assert sink.replaced == [(["default/a", "default/b", "default/c"], "10")]
    assert sink.progressed == [(2, 3), (3, 3)]
    # LIST items lack apiVersion and kind: the sink gets them back, as a GET shows them.
    assert {(o["apiVersion"], o["kind"]) for o in sink.listed} == {("t.crscope.test/v1", "Gadget")}
    assert _watched_rvs(source) == ["10"]
    assert source.watch_calls[0].allow_watch_bookmarks
    assert reflector.synced.is_set() and reflector.metrics.lists == 1


def test_watch_events_reach_the_sink_in_order() -> None:
    watch = Watch(
        added(gadget("b", 11)), modified(gadget("a", 12)), deleted(gadget("b", 13)), end="hang"
    )
    reflector, _, sink, _ = _run([page([gadget("a", 5)], rv=10)], [watch])
    assert sink.applied == [
        ("ADDED", "default/b", "11"),
        ("MODIFIED", "default/a", "12"),
        ("DELETED", "default/b", "13"),
    ]
    assert reflector.last_synced_rv == "13" and reflector.metrics.events == 3


def test_a_normal_watch_close_resumes_from_the_last_rv_without_a_relist() -> None:
    watches = [Watch(added(gadget("b", 11))), Watch(bookmark(14))]
    reflector, source, sink, clock = _run([page([gadget("a", 5)], rv=10)], watches)
    assert _watched_rvs(source) == ["10", "11", "14"]
    assert len(source.list_calls) == 1, "a normal close must not relist"
    assert sink.replaced == [(["default/a"], "10")]
    assert clock.waits == [], "a normal close is not a failure: no backoff"
    assert reflector.metrics.watch_restarts == 2


def test_bookmarks_advance_the_resource_version_without_events() -> None:
    watches = [Watch(bookmark(15), bookmark(17))]
    reflector, source, sink, _ = _run([page([gadget("a", 5)], rv=10)], watches)
    assert sink.applied == []
    assert reflector.metrics.bookmarks == 2 and reflector.metrics.events == 0
    assert _watched_rvs(source) == ["10", "17"]


@pytest.mark.parametrize(
    "watch", [Watch(added(gadget("c", 11)), gone_event()), gone()], ids=["error-event", "at-open"]
)
def test_410_relists_and_objects_gone_meanwhile_become_tombstones(watch: Any) -> None:
    changes: list[Change] = []
    informer = Informer(GADGETS, lister_watcher=FakeListerWatcher(), listeners=[changes.append])
    pages = [
        page([gadget("a", 5), gadget("b", 6)], rv=10),
        # b was deleted (and c created) while the watch was down.
        page([gadget("a", 5), gadget("c", 12)], rv=20),
    ]
    reflector, source, _, _ = _run(pages, [watch], sink=informer)

    assert len(source.list_calls) == 2 and reflector.metrics.relists_gone == 1
    assert _watched_rvs(source)[-1] == "20"
    assert sorted(e.key for e in informer.store.list()) == ["default/a", "default/c"]
    tombstones = [c for c in changes if c.tombstone]
    assert [(c.type, c.key) for c in tombstones] == [(ChangeType.DELETED, "default/b")]
    assert tombstones[0].old is not None and tombstones[0].new is None


@pytest.mark.parametrize(("retry_after", "wait"), [(7.0, 7.0), (None, 1.0)])
def test_429_waits_for_retry_after_then_resumes_the_same_watch(
    retry_after: float | None, wait: float
) -> None:
    watches = [too_many_requests(retry_after)]
    reflector, source, _, clock = _run([page([gadget("a", 5)], rv=10)], watches)
    assert clock.waits == [wait]
    assert _watched_rvs(source) == ["10", "10"]
    assert len(source.list_calls) == 1, "a 429 must not relist"
    assert reflector.metrics.failing_status == 429


def test_a_dropped_connection_backs_off_and_resumes_from_the_last_event() -> None:
    watches = [Watch(added(gadget("b", 11)), connection_dropped())]
    reflector, source, _, clock = _run([page([gadget("a", 5)], rv=10)], watches)
    assert clock.waits == [0.8]
    assert _watched_rvs(source) == ["10", "11"]
    assert len(source.list_calls) == 1
    assert reflector.metrics.last_error.startswith("connection:")


def test_a_failed_list_backs_off_and_lists_again() -> None:
    pages = [server_error(), page([gadget("a", 5)], rv=10)]
    reflector, source, sink, clock = _run(pages, [])
    assert clock.waits == [0.8]
    assert len(source.list_calls) == 2 and sink.replaced == [(["default/a"], "10")]
    # The list succeeded: the run of failures is over.
    assert reflector.metrics.failing_since == 0.0 and reflector.metrics.errors == 1


@pytest.mark.parametrize(
    ("healthy_for", "last_wait"), [(121.0, 0.8), (60.0, 6.4)], ids=["reset", "not-yet"]
)
def test_backoff_grows_on_repeated_errors_and_resets_after_a_healthy_watch(
    healthy_for: float, last_wait: float
) -> None:
    healthy = Watch(added(gadget("b", 11)), Tick(healthy_for), modified(gadget("b", 12)))
    watches = [server_error(), server_error(), server_error(), healthy, server_error()]
    _, source, _, clock = _run([page([gadget("a", 5)], rv=10)], watches)
    assert clock.waits == [0.8, 1.6, 3.2, last_wait]
    assert len(source.list_calls) == 1


def test_failures_and_events_are_dated_by_the_injected_clock() -> None:
    started = FakeClock().time()
    reflector, *_ = _run([page([gadget("a", 5)], rv=10)], [server_error()])
    assert reflector.metrics.failing_status == 500
    assert reflector.metrics.failing_since == started == reflector.metrics.last_synced_at

    watches = [server_error(), Watch(Tick(5.0), added(gadget("b", 11)))]
    reflector, *_ = _run([page([gadget("a", 5)], rv=10)], watches)
    assert reflector.metrics.failing_since == 0.0, "an event ends the run of failures"
    assert reflector.metrics.last_event_at == started + 0.8 + 5.0


def test_a_streaming_list_ends_at_the_initial_events_bookmark_and_keeps_watching() -> None:
    pages = [page([gadget("a", 5)], rv=9, remaining=1)]  # the count hint
    stream = Watch(
        added(gadget("a", 5)),
        added(gadget("b", 7)),
        bookmark(10, initial_events_end=True),
        modified(gadget("b", 11)),
    )
    reflector, source, sink, _ = _run(pages, [stream], list_mode="auto")
    assert source.list_calls[0].limit == 1
    assert source.watch_calls[0].send_initial_events
    assert sink.replaced == [(["default/a", "default/b"], "10")]
    assert sink.applied == [("MODIFIED", "default/b", "11")]
    assert reflector.metrics.streaming_list is True
    assert _watched_rvs(source) == ["", "11"]


def test_without_streaming_lists_the_reflector_falls_back_to_paged_lists_for_good() -> None:
    unsupported = ApiError(422, "Invalid", "sendInitialEvents is forbidden for watch")
    pages = [page([], rv=9), page([gadget("a", 5)], rv=10)]  # count hint, then the list
    watches = [unsupported, Watch(), Watch()]
    reflector, source, sink, _ = _run(pages, watches, list_mode="auto")
    assert reflector.metrics.streaming_list is False
    assert sink.replaced == [(["default/a"], "10")]
    assert [w.send_initial_events for w in source.watch_calls] == [True, False, False, False]
    assert reflector.metrics.errors == 0, "an unsupported streaming list is not a failure"


def test_stream_mode_does_not_fall_back_it_backs_off() -> None:
    unsupported = ApiError(422, "Invalid", "sendInitialEvents is forbidden for watch")
    reflector, _, sink, clock = _run([page([], rv=9)], [unsupported], list_mode="stream")
    assert sink.replaced == [] and clock.waits == [0.8]
    assert reflector.metrics.failing_status == 422


def test_a_server_error_in_the_stream_backs_off_and_resumes_from_the_last_event() -> None:
    error = {"type": "ERROR", "object": {"kind": "Status", "code": 500, "message": "boom"}}
    watches = [Watch(added(gadget("b", 11)), error)]
    reflector, source, _, clock = _run([page([gadget("a", 5)], rv=10)], watches)
    assert clock.waits == [0.8] and reflector.metrics.relists_gone == 0
    assert _watched_rvs(source) == ["10", "11"] and len(source.list_calls) == 1


def test_a_malformed_event_is_skipped_and_counted() -> None:
    malformed = {"type": "MALFORMED", "object": {}, "error": "unexpected end", "size": 17}
    watches = [Watch(malformed, added(gadget("b", 11)))]
    reflector, _, sink, _ = _run([page([gadget("a", 5)], rv=10)], watches)
    assert sink.applied == [("ADDED", "default/b", "11")]
    assert reflector.metrics.malformed == 1 and reflector.metrics.errors == 0


def test_a_reflector_stopped_before_it_runs_asks_for_nothing() -> None:
    clock = FakeClock()
    source = FakeListerWatcher(pages=[server_error()], clock=clock)
    reflector = _reflector(source, RecordingSink(), clock)
    source.on_exhausted = reflector.stop
    reflector.stop()  # before run: nothing is asked for
    reflector.run()
    assert source.calls == [] and clock.waits == []
