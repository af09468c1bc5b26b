"""The shared least-recently-used memo (``dashboard/core/lru.py``)."""

from __future__ import annotations

from functools import partial

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
