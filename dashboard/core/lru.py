"""A small thread-safe least-recently-used memo: ``get(key, compute)``.

Why one: rendered fragments (``dashboard.ui.fragments``) and printer-column values
(``dashboard.core.listing.cells``) are both computed once per object version for every
viewer, from worker threads, and must stay bounded.

Why a key is computed by one thread at a time: the live viewers of one page flush
together, so a worker pool's threads all miss the same new key at once. Each computing it
cost the pool that many renders of one fragment, under one GIL; the later arrivals now
wait for the first thread's value (and compute it themselves only if that one failed).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class _Computing(Generic[V]):
    """A key being computed by one thread; others wait on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: V | None = None


class Lru(Generic[V]):
    """At most ``size`` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._computing: dict[Hashable, _Computing[V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
            computing = self._computing.get(key)
            first = computing is None
            if computing is None:
                computing = self._computing[key] = _Computing()
        if not first:
            # Computed outside the lock, so readers of other keys never wait for it.
            computing.done.wait()
            return computing.value if computing.value is not None else compute()
        try:
            value = compute()
        except BaseException:
            with self._lock:
                del self._computing[key]
            computing.done.set()
            raise
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            computing.value = value
            del self._computing[key]
        computing.done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
