"""An object's timeline: its revisions and its Kubernetes Events, newest first, in pages.

Why merged here: history rows and Events live in two tables with different clocks
(observed vs. lastTimestamp); the page wants one story. Revisions are found by
(kind, namespace, name), so a deleted-and-recreated object keeps its past; Events by the
uids those revisions carry, within the object's namespace.

Why keyset pages, shared with the API's ``.../history``: a busy object has thousands of
revisions and the writer adds rows while someone reads, so the timeline pages by
(resourceVersion, id) with the same signed tokens; each page also knows the revision just
before its oldest one, so "diff with previous" works on every row, and how many older
revisions remain, so a page never looks like the whole story when it is not. Events are
placed on the page whose time span holds them: page k shows Events from the observed time
of its oldest revision up to that of the page before it, so pages never repeat an Event.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from pydantic import ValidationError

from dashboard.core.listing.keyset import PageParams, keyset_page
from dashboard.core.listing.query import QueryError
from dashboard.history.models import EventRow, Revision
from dashboard.history.writer import decode
from dashboard.ui.fragments import dom_id
from dashboard.ui.pages.detail.timefilter import TimelineFilter
from dashboard.ui.pages.diff import diffview

LIMIT = 100
MAX_CHIPS = 8
#: condition fields whose changes carry meaning: never folded away as repetition
_MEANINGFUL = frozenset({"message", "reason", "status", "type"})


def _scan() -> int:
    """Revisions read (newest first) to narrow by part or manager, which needs each one's
    changed paths and managers: at least what the writer keeps per object."""
    return max(5000, int(settings.CRSCOPE_HISTORY_MAX_REVISIONS))


@dataclass(frozen=True)
class Item:
    """One timeline entry; ``revision`` or ``event`` is set."""

    at: float
    dom_id: str
    revision: Revision | None = None
    event: EventRow | None = None
    previous_id: int | None = None  # the revision before this one (for "diff")
    #: identical status-only revisions folded into this row (itself included), and the
    #: time of the oldest of them
    repeats: int = 1
    first_at: float | None = None

    @cached_property
    def chips(self) -> list[str]:
        revision = self.revision
        if revision is None:
            return []
        paths = list(revision.changed_paths)[:MAX_CHIPS]
        return diffview.chip_labels(paths, lambda: decode(revision.body))

    @property
    def more_chips(self) -> int:
        paths = self.revision.changed_paths if self.revision is not None else []
        return max(0, len(paths) - MAX_CHIPS)

    @property
    def version(self) -> str:
        if self.event is not None:
            return f"{self.event.count}|{self.event.last_seen}"
        return f"r{self.repeats}"


@dataclass(frozen=True)
class TimelinePage:
    """One page of the timeline and where it sits in the whole history."""

    items: list[Item]
    total: int  # revisions recorded for this name, on every page
    older: int  # revisions older than this page's oldest
    continue_token: str | None  # for the next (older) page; None on the last page


def _rows(kind_key: str, namespace: str | None, name: str) -> QuerySet[Revision]:
    """Every revision recorded under this name, newest first (the API's order)."""
    return Revision.objects.filter(kind=kind_key, namespace=namespace or "", name=name).order_by(
        "-rv_int", "-id"
    )


def _older_than(rows: QuerySet[Revision], rev: Revision) -> QuerySet[Revision]:
    return rows.filter(Q(rv_int__lt=rev.rv_int) | Q(rv_int=rev.rv_int, id__lt=rev.id))


def _newer_than(rows: QuerySet[Revision], rev: Revision) -> QuerySet[Revision]:
    newer = rows.filter(Q(rv_int__gt=rev.rv_int) | Q(rv_int=rev.rv_int, id__gt=rev.id))
    return newer.order_by("rv_int", "id")


def last_revision(kind_key: str, namespace: str | None, name: str) -> Revision | None:
    return _rows(kind_key, namespace, name).first()


def revision_count(kind_key: str, namespace: str | None, name: str) -> int:
    return _rows(kind_key, namespace, name).count()


def _events(
    namespace: str | None,
    uids: set[str],
    *,
    since: float | None,
    until: float | None,
    limit: int,
) -> list[EventRow]:
    """Events about these uids that were made in the object's own namespace (none for a
    cluster-scoped object): a uid alone can be claimed by anyone who may create Events."""
    uids.discard("")
    if not uids:
        return []
    rows = EventRow.objects.filter(involved_uid__in=sorted(uids), namespace=namespace or "")
    if since is not None:
        rows = rows.filter(last_seen__gte=since)
    if until is not None:
        rows = rows.filter(last_seen__lt=until)
    return list(rows.order_by("-last_seen", "-id")[:limit])


def managers(kind_key: str, namespace: str | None, name: str) -> list[str]:
    """The field managers that wrote this object's recorded revisions (for the filter)."""
    rows = _rows(kind_key, namespace, name).values_list("managers", flat=True)[: _scan()]
    return sorted({str(m) for found in rows for m in found or []})


def _narrowed(rows: QuerySet[Revision], flt: TimelineFilter) -> QuerySet[Revision]:
    since = flt.since()
    if since is not None:
        rows = rows.filter(observed__gte=since)
    if not flt.shows_revisions:
        return rows.none()
    if flt.part or flt.manager:
        facts = rows.values_list("id", "type", "changed_paths", "managers")[: _scan()]
        kept = [i for i, type_, paths, who in facts if flt.keeps(type_, paths or [], who or [])]
        rows = rows.filter(id__in=kept)
    return rows


def page(
    kind_key: str,
    namespace: str | None,
    name: str,
    *,
    uid: str = "",
    token: str | None = None,
    limit: int = LIMIT,
    flt: TimelineFilter | None = None,
) -> TimelinePage:
    """The page after ``token`` (the newest page without one), narrowed by ``flt``.

    Raises QueryError for a token this server did not issue for this object and view.
    """
    flt = flt or TimelineFilter()
    every = _rows(kind_key, namespace, name)
    rows = _narrowed(every, flt) if flt.narrows else every
    key = f"{namespace}/{name}" if namespace else name
    try:
        params = PageParams.model_validate({"limit": limit, "continue": token})
    except ValidationError as exc:
        raise QueryError("continue", "not a continue token issued by this server") from exc
    bound = f"history|{kind_key}|{key}" + (f"|{flt.signature}" if flt.narrows else "")
    result = keyset_page(rows.defer("body"), field="rv_int", params=params, bound_to=bound)
    revs: list[Any] = list(result.rows)
    older_rows = _older_than(rows, revs[-1]) if revs and result.continue_token else None
    before_oldest = older_rows.only("id", "observed").first() if older_rows is not None else None
    newer = _newer_than(rows, revs[0]).only("observed").first() if revs and token else None
    if flt.narrows:
        # "diff with previous" compares with the revision recorded just before, shown or
        # not: one read of the ids in order, not a query per row.
        order = list(every.values_list("id", flat=True)[: _scan()])
        before = dict(zip(order, [*order[1:], None], strict=True))
        below = [before.get(r.id) for r in revs]
    else:
        # Each revision diffs with the next one down, the oldest with the first of the next page.
        below = [*(r.id for r in revs[1:]), before_oldest.id if before_oldest else None]
    items = [
        Item(at=r.observed, dom_id=f"rev-{r.id}", revision=r, previous_id=prev)
        for r, prev in zip(revs, below, strict=False)
    ]
    uids = {r.uid for r in revs} | {uid}  # the lives this span of history belongs to
    since = revs[-1].observed if before_oldest is not None else None
    if flt.since() is not None:
        since = max(since or 0.0, flt.since() or 0.0)
    until = newer.observed if newer is not None else None
    if flt.shows_events and (revs or token is None):
        events = _events(namespace, uids, since=since, until=until, limit=limit)
        items += [Item(at=e.last_seen, dom_id=dom_id("ev", e.uid), event=e) for e in events]
    items.sort(key=lambda item: item.at, reverse=True)
    return TimelinePage(
        items=collapse(items) if flt.collapse else items,
        total=result.total,
        older=older_rows.count() if older_rows is not None else 0,
        continue_token=result.continue_token,
    )


def _status_only(item: Item) -> tuple[str, ...] | None:
    """A repetitive modification's identity in a run (its state and changed paths), or None.

    Repetitive: only status paths changed, none of them a condition's message, reason,
    status or type (a new error text is news, not repetition); or nothing but noise
    (heartbeat timestamps, observedGeneration), which the diff records as no path.
    """
    rev = item.revision
    if rev is None or rev.type != "MODIFIED":
        return None
    paths = tuple(sorted(str(p) for p in rev.changed_paths or []))
    if not paths:
        return (rev.state, "(noise)")
    if any(p.rsplit("/", 1)[-1] in _MEANINGFUL for p in paths):
        return None
    if all(p == "/status" or p.startswith("/status/") for p in paths):
        return (rev.state, *paths)
    return None


def collapse(items: list[Item]) -> list[Item]:
    """Fold runs of repetitive revisions (``_status_only``: same state, same changed paths)
    into their newest row, with a count: a controller's heartbeat rewriting one timestamp
    a hundred times is one line, not a hundred. Only revisions next to each other in the
    whole history fold (a narrowed view may hide a change between them, which a folded
    row's diff would then contain). Newest first in and out."""
    result: list[Item] = []
    run: list[Item] = []

    def flush() -> None:
        if len(run) > 1:
            newest, oldest = run[0], run[-1]
            result.append(
                Item(
                    at=newest.at,
                    dom_id=newest.dom_id,
                    revision=newest.revision,
                    previous_id=oldest.previous_id,
                    repeats=len(run),
                    first_at=oldest.at,
                )
            )
        else:
            result.extend(run)
        run.clear()

    for item in items:
        identity = _status_only(item)
        if (
            run
            and identity is not None
            and identity == _status_only(run[0])
            and item.revision is not None
            and run[-1].previous_id == item.revision.id  # adjacent in the whole history
        ):
            run.append(item)
            continue
        flush()
        if identity is not None:
            run.append(item)
        else:
            result.append(item)
    flush()
    return result
