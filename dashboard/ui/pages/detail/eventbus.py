"""Route Kubernetes Events to the detail pages watching their object.

Why: Events do not pass through the change hub (they are not objects of a watched kind),
yet an open detail page should show a new Warning as soon as the history writer has it.
The engine calls ``publish`` on a reader thread; listeners only schedule work.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

from informers import EventRecord

Listener = Callable[[EventRecord], None]

_listeners: defaultdict[str, list[Listener]] = defaultdict(list)
_lock = threading.Lock()


def listen(uid: str, listener: Listener) -> None:
    with _lock:
        _listeners[uid].append(listener)


def unlisten(uid: str, listener: Listener) -> None:
    with _lock:
        found = _listeners.get(uid)
        if found is not None and listener in found:
            found.remove(listener)
            if not found:
                del _listeners[uid]


def publish(record: EventRecord) -> None:
    with _lock:
        targets = list(_listeners.get(record.involved_uid, ()))
    for listener in targets:
        listener(record)
