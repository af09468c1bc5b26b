"""Pausing the cyclic GC around bulk loads: nestable, shared, and restoring what it found.

Why: ``gc_paused`` changes process-wide state. If it re-enabled a GC someone else had
disabled, or left the GC off after an exception or an inner load, every later allocation
would pay for it. Each test here restores the interpreter's GC state when it ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from informers import gcpause
from informers.gcpause import gc_paused


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    thresholds = gc.get_threshold()
    assert gcpause._depth == 0
    yield
    assert gcpause._depth == 0, "every pause must end"
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_gc_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_survivors_of_a_load_are_frozen() -> None:
    gc.enable()
    gc.unfreeze()
    with gc_paused():
        kept = [{"n": i} for i in range(100)]
    assert gc.get_freeze_count() > 0
    assert kept


def test_after_a_load_full_collections_are_rarer_and_young_ones_unchanged() -> None:
    gc.set_threshold(700, 10, 10)
    with gc_paused():
        pass
    assert gc.get_threshold() == (700, 10, gcpause.OLD_THRESHOLD)
    gc.set_threshold(500, 5, 10_000)  # a process that chose rarer ones keeps its choice
    with gc_paused():
        pass
    assert gc.get_threshold() == (500, 5, 10_000)


def test_nested_pauses_resume_only_when_the_outermost_ends() -> None:
    gc.enable()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner load's end must not resume the GC"
    assert gc.isenabled()


def test_a_gc_that_was_already_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_exception_inside_still_resumes_the_gc() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("load failed")
    assert gc.isenabled()


def test_overlapping_loads_on_two_threads_resume_when_the_last_ends() -> None:
    gc.enable()
    entered, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_load() -> None:
        with gc_paused():
            entered.set()
            assert release.wait(60)
        seen.append(gc.isenabled())

    thread = threading.Thread(target=other_load)
    with gc_paused():
        thread.start()
        assert entered.wait(60)
    assert not gc.isenabled(), "the other thread's load is still running"
    release.set()
    thread.join(60)
    assert not thread.is_alive()
    assert seen == [True]
    assert gc.isenabled()
