"""An ordering stays sorted through adds and deletes, and a bad sort key cannot break it."""

from __future__ import annotations

import random
from typing import Any

from informers.ordering import Ordering
from informers.status import State, Status
from informers.store import Entry


def entry(name: str, size: object) -> Entry:
    obj = {"metadata": {"name": name, "namespace": "ns"}, "spec": {"size": size}}
    return Entry(f"ns/{name}", obj, Status(State.CURRENT, "", ""), 0.0)


def by_size(e: Entry) -> tuple[Any, ...]:
    return (int(e.obj["spec"]["size"]), e.key)


def test_adds_and_discards_keep_the_items_sorted() -> None:
    rng = random.Random(7)
    ordering = Ordering(by_size, [entry(f"o{i}", rng.randrange(50)) for i in range(300)])
    live = {f"ns/o{i}" for i in range(300)}
    for _ in range(2000):
        name = f"o{rng.randrange(400)}"
        ordering.discard(f"ns/{name}")  # an update is a discard, then an add
        if rng.random() < 0.3:
            live.discard(f"ns/{name}")
        else:
            ordering.add(entry(name, rng.randrange(50)))
            live.add(f"ns/{name}")
    items = ordering.snapshot()
    assert items == sorted(items)
    assert [item[-1] for item in items] != sorted(live)  # by size first, not by key
    assert {item[-1] for item in items} == live
    assert len(ordering) == len(live)


def test_discarding_a_key_it_never_held_changes_nothing() -> None:
    ordering = Ordering(by_size, [entry("a", 1)])
    ordering.discard("ns/zzz")
    assert ordering.snapshot() == [(0, 1, "ns/a")]


def test_an_object_whose_key_fails_sorts_last_instead_of_raising() -> None:
    """The reflector thread maintains orderings: a sort key that raises on one malformed
    object must not stop it, nor lose the object from the order."""
    ordering = Ordering(by_size, [entry("a", 3), entry("bad", "not a number"), entry("b", 1)])
    ordering.add(entry("worse", {"a": "mapping"}))
    assert [item[-1] for item in ordering.snapshot()] == ["ns/b", "ns/a", "ns/bad", "ns/worse"]
    ordering.discard("ns/bad")
    assert [item[-1] for item in ordering.snapshot()] == ["ns/b", "ns/a", "ns/worse"]


def test_a_key_that_does_not_end_with_the_object_key_is_refused() -> None:
    """Without the object's key last, two objects could tie and a discard could take the
    wrong one; such a key is treated as failing."""
    ordering = Ordering(lambda e: (1,), [entry("a", 1), entry("b", 2)])
    assert [item[-1] for item in ordering.snapshot()] == ["ns/a", "ns/b"]
