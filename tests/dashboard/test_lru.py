"""The shared least-recently-used memo (``dashboard/core/lru.py``)."""

from __future__ import annotations

import threading
from functools import partial

import pytest

from dashboard.core.lru import Lru


def test_values_are_kept_until_the_least_recently_used_is_dropped() -> None:
    lru: Lru[str] = Lru(2)
    computed: list[str] = []

    def compute(key: str) -> str:
        computed.append(key)
        return key.upper()

    for key in ("a", "b", "a", "c", "b", "a"):
        assert lru.get(key, partial(compute, key)) == key.upper()
    # "a" was used after "b", so "c" pushed "b" out; then "b" pushed "a" out
    assert computed == ["a", "b", "c", "b", "a"]
    lru.clear()
    lru.get("c", lambda: compute("c"))
    assert computed[-1] == "c"


def test_threads_missing_one_key_together_compute_it_once() -> None:
    """Live viewers flush together: a pool's threads miss the same fragment at once."""
    lru: Lru[str] = Lru(4)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []
    got: dict[str, str] = {}

    def slow() -> str:
        calls.append("first")
        started.set()
        release.wait(30)
        return "value"

    def quick() -> str:
        calls.append("second")
        return "other"

    first = threading.Thread(target=lambda: got.setdefault("first", lru.get("k", slow)))
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=lambda: got.setdefault("second", lru.get("k", quick)))
    second.start()
    second.join(0.5)  # it waits for the first thread, however long this takes
    release.set()
    first.join(30)
    second.join(30)
    assert calls == ["first"]
    assert got == {"first": "value", "second": "value"}


def test_a_failed_computation_leaves_the_key_to_the_next_caller() -> None:
    lru: Lru[str] = Lru(4)

    def broken() -> str:
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        lru.get("k", broken)
    assert lru.get("k", lambda: "value") == "value"
    assert lru.get("k", broken) == "value"
