"""In-app notifications: who may see which, unread counts, and the hook for live bell pushes.

Why access checks here: a notification names objects, and a viewer must only learn about
objects they may ``get``. Inbox rows are stored per (kind, namespace), so a count asks the
authorizer once per distinct pair (cached by ``dashboard.core.auth.rbac``), never per row.

``on_notification(callback)`` is how the bell learns that something new arrived: the
outbox worker that recorded it calls ``announce`` on its thread, so a callback must only
hand off. ``dashboard.notify.bell`` registers two: a hop to each local socket's event
loop, and a relay to the channel layer for the other replicas' sockets. Each connection
then asks ``unread_count(its viewer)``, since what "new" means differs per viewer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q

from dashboard.core.auth import access
from dashboard.core.auth.viewer import Viewer
from dashboard.core.runtime.adapter import adapter
from dashboard.notify.models import InboxItem, ReadMark

log = logging.getLogger(__name__)
MAX_PAIRS = 2000


@dataclass(frozen=True)
class Notice:
    """What a listener is told: the notification id, its rule, and the (kind, namespace)s."""

    nid: str
    rule: str
    summary: str
    scopes: tuple[tuple[str, str], ...]


_listeners: list[Callable[[Notice], None]] = []


def on_notification(callback: Callable[[Notice], None]) -> None:
    """Register a callback for each new in-app notification (runs on a worker thread)."""
    _listeners.append(callback)


def remove_listener(callback: Callable[[Notice], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def announce(notice: Notice) -> None:
    for callback in list(_listeners):
        try:
            callback(notice)
        except Exception:
            log.exception("notify: an on_notification callback failed")


class Visibility:
    """Memoised "may this viewer get objects of this kind in this namespace"."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self._memo: dict[tuple[str, str], bool] = {}

    def allows(self, kind: str, namespace: str) -> bool:
        if self.viewer.server:
            return True
        key = (kind, namespace)
        known = self._memo.get(key)
        if known is None:
            known = self._memo[key] = self._check(kind, namespace)
        return known

    def _check(self, kind: str, namespace: str) -> bool:
        engine = adapter.engine
        informer = engine.informer(kind) if engine is not None else None
        if informer is None:
            return False  # a kind no longer watched: its access cannot be checked
        try:
            return access.can_see(self.viewer, informer.kind, namespace or None)
        except Exception as exc:  # the authorizer is down: show nothing rather than too much
            log.warning("notify: access check failed for %s: %s", self.viewer.username, exc)
            return False

    def pairs_filter(self, pairs: Iterable[tuple[str, str]]) -> Q | None:
        """A filter on (kind, namespace) for the allowed pairs; None when none is allowed."""
        allowed = [p for p in pairs if self.allows(*p)]
        if not allowed:
            return None
        query = Q()
        for kind, namespace in allowed:
            query |= Q(kind=kind, namespace=namespace)
        return query


def read_mark(viewer: Viewer) -> float:
    mark = ReadMark.objects.filter(username=viewer.username).values_list("read_at", flat=True)
    return next(iter(mark), 0.0)


def unread_count(viewer: Viewer) -> int:
    """In-app notifications about objects the viewer may see, newer than their read mark."""
    items = InboxItem.objects.filter(created__gt=read_mark(viewer))
    if viewer.server:
        return items.values("notification").distinct().count()
    pairs = items.values_list("kind", "namespace").distinct()[:MAX_PAIRS]
    query = Visibility(viewer).pairs_filter(pairs)
    if query is None:
        return 0
    return items.filter(query).values("notification").distinct().count()


def mark_read(viewer: Viewer, at: float | None = None) -> None:
    # One INSERT ... ON CONFLICT statement rather than update_or_create's transaction
    # (a read, then a write): a page view should hold SQLite's write lock as briefly
    # as possible.
    mark = ReadMark(username=viewer.username, read_at=time.time() if at is None else at)
    ReadMark.objects.bulk_create(
        [mark], update_conflicts=True, unique_fields=["username"], update_fields=["read_at"]
    )


def count_text(count: int) -> str:
    return "99+" if count > 99 else str(count)
