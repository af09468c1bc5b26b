"""Which stored Events a viewer may see, filtered and paged: the one query behind the
Events page, its live feed and the home page's "Warnings on Current objects".

Why one query for all three: an Event names its object (kind, namespace, name), so showing
it tells about the object. The rule is the one every reader uses: the viewer must be able
to list the involved object's kind in its namespace (``visible_namespaces`` /
``namespace_filter``). The cut is made in the database query itself, so rows, counts
("N matching") and the namespace choices only ever count what the viewer may see.

Namespaces are checked where objects are now *and* where Events are stored: Events
outlive their objects, and a namespace with no objects left still has its history.

Events about kinds no longer watched are not shown: without the kind, nobody can say who
may see them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Max, Q, QuerySet, Sum
from pydantic import ValidationError

from dashboard.core.auth.access import namespace_filter, visible_namespaces
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.keyset import PageParams, keyset_page
from dashboard.core.listing.query import QueryError
from dashboard.core.web import links
from dashboard.history.models import EventRow
from dashboard.ui.fragments import dom_id
from dashboard.ui.pages.events.filters import EventFilters
from informers import Engine, KindInfo, State


@dataclass(frozen=True)
class EventItem:
    """One row of the page: the stored Event and what the row links to."""

    row: EventRow
    kind: KindInfo

    @property
    def row_id(self) -> str:
        return dom_id("event", self.row.uid)

    @property
    def version(self) -> str:
        return f"{self.row.count}|{self.row.last_seen}|{self.row.type}|{self.row.reason}"

    @property
    def url(self) -> str:
        return links.object_url_by_key(self.row.kind, self.row.namespace or None, self.row.name)


@dataclass(frozen=True)
class EventsPage:
    items: list[EventItem]
    total: int
    continue_token: str | None


def _stored_namespaces(kind_key: str) -> dict[str, set[str]]:
    """Namespaces holding stored Events, per kind key (one kind when ``kind_key`` is set)."""
    rows = EventRow.objects.all()
    if kind_key:
        rows = rows.filter(kind=kind_key)
    found: dict[str, set[str]] = defaultdict(set)
    for kind, namespace in rows.values_list("kind", "namespace").distinct():
        if namespace:
            found[kind].add(namespace)
    return found


def visible_kinds(engine: Engine, viewer: Viewer, kind_key: str = "") -> dict[str, Any]:
    """Each watched kind (or just ``kind_key``) with the namespaces the viewer may list
    (None = all); kinds they may list nowhere are left out."""
    stored = _stored_namespaces(kind_key)
    found: dict[str, Any] = {}
    for informer in engine.informers():
        kind = informer.kind
        if kind_key and kind.key != kind_key:
            continue
        allowed = visible_namespaces(viewer, kind, "list", also=stored.get(kind.key, ()))
        if allowed is None or allowed:
            found[kind.key] = (kind, allowed)
    return found


def _visible(visible: dict[str, Any], namespace: str) -> Q | None:
    """The rows of ``visible`` kinds in namespaces the viewer may list (None = no rows)."""
    q: Q | None = None
    for key, (kind, allowed) in visible.items():
        namespaces = namespace_filter(allowed, kind, namespace or None)
        if namespaces is None:
            part = Q(kind=key)
        elif namespaces:
            part = Q(kind=key, namespace__in=namespaces)
        else:
            continue
        q = part if q is None else q | part
    return q


def matching(
    visible: dict[str, Any], filters: EventFilters, *, now: float | None = None
) -> QuerySet[EventRow]:
    """The stored Events the filters select, cut to what ``visible`` allows."""
    q = _visible(visible, filters.namespace)
    if q is None:
        return EventRow.objects.none()
    rows = EventRow.objects.filter(q)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.name:
        rows = rows.filter(name=filters.name)
    if filters.reason:
        rows = rows.filter(reason=filters.reason)
    if filters.type:
        rows = rows.filter(type=filters.type)
    seconds = filters.window_seconds
    if seconds is not None:
        rows = rows.filter(last_seen__gte=(time.time() if now is None else now) - seconds)
    return rows


def page(
    engine: Engine,
    viewer: Viewer,
    filters: EventFilters,
    *,
    token: str | None = None,
    visible: dict[str, Any] | None = None,
) -> EventsPage:
    """The page after ``token`` (the newest without one), newest last-seen first.

    ``visible`` is ``visible_kinds``'s answer when the caller keeps one (a live feed
    re-reads it on each access refresh); otherwise it is read here. Raises QueryError for
    a token not issued for these filters. A recurring Event moves to the top when it is
    seen again, so paging while it recurs can show it twice.
    """
    try:
        params = PageParams.model_validate({"limit": filters.limit, "continue": token})
    except ValidationError as exc:
        raise QueryError("continue", "not a continue token issued by this server") from exc
    if visible is None:
        visible = visible_kinds(engine, viewer, filters.kind)
    rows = matching(visible, filters)
    result = keyset_page(rows, field="last_seen", params=params, bound_to=filters.fingerprint())
    items = [EventItem(row=row, kind=visible[row.kind][0]) for row in result.rows]
    return EventsPage(items=items, total=result.total, continue_token=result.continue_token)


def namespaces(visible: dict[str, Any]) -> list[str]:
    """The namespaces of Events within ``visible`` (the namespace filter's choices)."""
    rows = matching(visible, EventFilters())
    found = rows.exclude(namespace="").values_list("namespace", flat=True).distinct()
    return sorted(found)


@dataclass(frozen=True)
class WarnedObject:
    """An object that is Current now, yet had Warning Events lately (the home page)."""

    kind: KindInfo
    namespace: str
    name: str
    warnings: int  # Warning Events (distinct) in the window
    occurrences: int  # their counts, summed
    last_seen: float
    reason: str  # of the newest one

    @property
    def url(self) -> str:
        return links.object_url(self.kind, self.namespace or None, self.name)

    @property
    def events_url(self) -> str:
        filters = EventFilters(
            kind=self.kind.key,
            namespace=self.namespace,
            name=self.name,
            type="Warning",
            window="1h",
        )
        return f"/events/?{urlencode(filters.params())}"


def warned_current(
    engine: Engine,
    viewer: Viewer,
    *,
    namespace: str = "",
    seconds: float = 3600,
    limit: int = 20,
) -> list[WarnedObject]:
    """Objects whose state is Current but that had Warning Events in the last ``seconds``,
    newest Warning first: a healthy-looking object that is complaining.

    Events are grouped by the object's uid as well: an object deleted and created again
    under the same name does not inherit the Warnings of its previous life.
    """
    visible = visible_kinds(engine, viewer)
    since = time.time() - seconds
    rows = matching(visible, EventFilters(type="Warning", namespace=namespace)).filter(
        last_seen__gte=since
    )
    groups = (
        rows.values("kind", "namespace", "name", "involved_uid")
        .annotate(n=Count("id"), times=Sum("count"), last=Max("last_seen"))
        .order_by("-last")
    )
    found: list[WarnedObject] = []
    for group in groups[: limit * 5]:
        kind = visible[group["kind"]][0]
        informer = engine.informer(kind.key)
        key = f"{group['namespace']}/{group['name']}" if group["namespace"] else group["name"]
        entry = informer.store.get(key) if informer is not None else None
        if entry is None or entry.uid != group["involved_uid"]:
            continue
        if entry.status.state != State.CURRENT:
            continue
        newest = rows.filter(
            kind=group["kind"],
            namespace=group["namespace"],
            name=group["name"],
            involved_uid=group["involved_uid"],
        ).order_by("-last_seen", "-id")
        found.append(
            WarnedObject(
                kind=kind,
                namespace=group["namespace"],
                name=group["name"],
                warnings=group["n"],
                occurrences=group["times"] or 0,
                last_seen=group["last"],
                reason=newest.values_list("reason", flat=True).first() or "",
            )
        )
        if len(found) >= limit:
            break
    return found
