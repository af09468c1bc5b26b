"""The engine's one bus: every change and every Event, to whoever takes them.

Why one bus: changes used to reach the dashboard three ways (this hub, engine listener
lists, and a UI router for Events), each with its own registration and error handling.
Now everything the engine publishes passes here, and a consumer takes it one of two ways:

- a **subscription** (live pages, watch streams) gets a bounded queue of changes, keyed by
  object. The reflector must never wait on a consumer (a slow watch reader gets its watch
  closed by the apiserver, which costs a relist), and only the newest state of an object
  matters for a view, so N updates to one object cost one slot. When a queue holds more
  distinct objects than its bound, it is cleared and flagged ``overflowed``: the consumer
  re-reads the store instead of receiving a partial stream.
- a **listener** (the history writer, the notification service, a page following one
  object's Events) is called with every change or Event, in order, on the publishing
  thread. It must only hand the message on (a queue, a loop's call_soon), never wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from informers.changes import Change, ChangeListener, ChangeType, EventListener, EventRecord

log = logging.getLogger(__name__)

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


@dataclass(frozen=True, eq=False)
class Listener:
    """One listener: called with every change and/or Event it takes, in publishing order.

    ``involved_uid`` narrows the Events to those about one object (a page following it);
    empty means every Event.
    """

    on_change: ChangeListener | None = None
    on_event: EventListener | None = None
    involved_uid: str = ""


class Hub:
    """The set of live subscriptions and listeners; the engine publishes to all of them.

    Listeners are kept in the order they came, and also indexed for publishing: change
    listeners, listeners of every Event, and listeners of one object's Events by that
    object's uid. So an Event costs a dict lookup however many detail pages are open, and
    a change never walks the pages' Event listeners. All are copy-on-write: reader
    threads publish without taking the lock.
    """

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._listeners: tuple[Listener, ...] = ()
        self._on_change: tuple[ChangeListener, ...] = ()
        self._on_every_event: tuple[EventListener, ...] = ()
        self._on_object_event: dict[str, tuple[EventListener, ...]] = {}
        self._lock = threading.Lock()

    # -- subscriptions: coalesced, bounded queues of changes -------------------------------
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

    def subscriptions(self) -> list[Subscription]:
        return list(self._subs)

    # -- listeners: every message, in order --------------------------------------------------
    def listen(
        self,
        *,
        on_change: ChangeListener | None = None,
        on_event: EventListener | None = None,
        involved_uid: str = "",
    ) -> Listener:
        listener = Listener(on_change=on_change, on_event=on_event, involved_uid=involved_uid)
        with self._lock:
            self._index((*self._listeners, listener))
        return listener

    def unlisten(self, listener: Listener) -> None:
        with self._lock:
            self._index(tuple(each for each in self._listeners if each is not listener))

    def listeners(self) -> list[Listener]:
        return list(self._listeners)

    def _index(self, listeners: tuple[Listener, ...]) -> None:
        """Swap in ``listeners`` and the indexes publishing reads (under the lock)."""
        by_object: dict[str, list[EventListener]] = {}
        for each in listeners:
            if each.on_event is not None and each.involved_uid:
                by_object.setdefault(each.involved_uid, []).append(each.on_event)
        self._on_change = tuple(each.on_change for each in listeners if each.on_change)
        self._on_every_event = tuple(
            each.on_event for each in listeners if each.on_event and not each.involved_uid
        )
        self._on_object_event = {uid: tuple(found) for uid, found in by_object.items()}
        self._listeners = listeners

    # -- publishing (reader threads) ---------------------------------------------------------
    def publish(self, change: Change) -> None:
        """Offer ``change`` to every subscription, then call every change listener."""
        for sub in self._subs:  # copy-on-write lists: no lock on the hot path
            try:
                sub.offer(change)
            except Exception:  # noqa: S112 - one broken predicate must not starve the others
                continue
        for on_change in self._on_change:
            _call(on_change, change)

    def publish_event(self, record: EventRecord) -> None:
        """Call the listeners of every Event, then those of this Event's object."""
        for on_event in self._on_every_event:
            _call(on_event, record)
        for on_event in self._on_object_event.get(record.involved_uid, ()):
            _call(on_event, record)


Message = TypeVar("Message", Change, EventRecord)


def _call(listener: Callable[[Message], None], message: Message) -> None:
    """One failing listener is logged and must not keep the message from the others."""
    try:
        listener(message)
    except Exception:
        name = getattr(listener, "__qualname__", None) or repr(listener)
        log.exception("hub: a listener failed: %s", name)
