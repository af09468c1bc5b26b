"""Bounded, per-object-coalescing delivery of changes to consumers.

Why: the reflector must never wait on a consumer (a slow watch reader gets its watch
closed by the apiserver, which costs a relist). Each consumer gets a queue keyed by object:
only the newest state of an object matters for a view, so N updates to one object cost one
slot. When a queue holds more distinct objects than its bound, it is cleared and flagged
``overflowed``: the consumer re-reads the store instead of receiving a partial stream.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from informers.changes import Change, ChangeType

Notify = Callable[[], None]
Predicate = Callable[[Change], bool]


@dataclass
class SubscriptionStats:
    delivered: int = 0
    coalesced: int = 0
    overflows: int = 0


def coalesce(first: Change, second: Change) -> Change | None:
    """Merge two consecutive changes of one object; None when they cancel out."""
    if first.type == ChangeType.ADDED and second.type == ChangeType.DELETED:
        return None
    change_type = second.type
    if first.type == ChangeType.ADDED and second.type == ChangeType.MODIFIED:
        change_type = ChangeType.ADDED
    if first.type == ChangeType.DELETED and second.type == ChangeType.ADDED:
        change_type = ChangeType.MODIFIED
    paths = tuple(dict.fromkeys(first.changed_paths + second.changed_paths))
    managers = tuple(dict.fromkeys(first.managers + second.managers))
    return replace(second, type=change_type, old=first.old, changed_paths=paths, managers=managers)


@dataclass
class Subscription:
    """One consumer's queue. ``drain()`` from the consumer, ``offer()`` from informers."""

    predicate: Predicate
    notify: Notify | None = None
    max_pending: int = 5000
    stats: SubscriptionStats = field(default_factory=SubscriptionStats)
    _pending: dict[tuple[str, str], Change] = field(default_factory=dict)
    _overflowed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def offer(self, change: Change) -> None:
        """Called on the reader thread: never blocks beyond a dict update."""
        if self._closed or not self.predicate(change):
            return
        key = (change.kind, change.key)
        with self._lock:
            if self._overflowed:
                return
            previous = self._pending.pop(key, None)
            if previous is not None:
                self.stats.coalesced += 1
                merged = coalesce(previous, change)
                if merged is not None:
                    self._pending[key] = merged
            else:
                self._pending[key] = change
            if len(self._pending) > self.max_pending:
                self._pending.clear()
                self._overflowed = True
                self.stats.overflows += 1
            wake = len(self._pending) == 1 or self._overflowed
        if wake and self.notify is not None:
            self.notify()

    def drain(self) -> tuple[list[Change], bool]:
        """Take everything pending; the flag says the consumer must resync from the store."""
        with self._lock:
            changes = list(self._pending.values())
            self._pending.clear()
            overflowed, self._overflowed = self._overflowed, False
        self.stats.delivered += len(changes)
        return changes, overflowed

    @property
    def depth(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        self._closed = True


class Hub:
    """The set of live subscriptions; informers publish each change to all of them."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(
        self, predicate: Predicate, *, notify: Notify | None = None, max_pending: int = 5000
    ) -> Subscription:
        sub = Subscription(predicate=predicate, notify=notify, max_pending=max_pending)
        with self._lock:
            self._subs = [*self._subs, sub]
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.close()
        with self._lock:
            self._subs = [s for s in self._subs if s is not sub]

    def publish(self, change: Change) -> None:
        for sub in self._subs:  # copy-on-write list: no lock on the hot path
            try:
                sub.offer(change)
            except Exception:  # noqa: S112 - one broken predicate must not starve the others
                continue

    def subscriptions(self) -> list[Subscription]:
        return list(self._subs)
