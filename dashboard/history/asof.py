"""A kind's record at a past time: which objects existed then, each as its revision then.

Why the checks come first: the record is silent both when nothing changed and when
nothing watched, so a list rebuilt from it is only true at a time some server was
recording the kind (``dashboard.history.periods``) and after the retention cutoff (below
it, the writer keeps one baseline row per object, not every change). Any other time is
refused with the reason, never answered with a guess.

One more gap is per object: the writer keeps at most ``CRSCOPE_HISTORY_MAX_REVISIONS`` rows
of each object, so an object with many changes may have lost its rows around the time
asked. Such objects are counted, not shown as absent (``unknown_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max, Min, QuerySet

from dashboard.core.web.timefmt import absolute
from dashboard.history import retention
from dashboard.history.models import Revision, WatchPeriod
from dashboard.history.periods import BEAT
from informers import ChangeType

#: a period whose heartbeat is this recent is still being recorded, up to now. Generous,
#: so a writer slowed by a loaded machine is not taken for a dead one; after a crash the
#: period claims the time up to now for at most this long, then falls back to its last beat.
LIVE_WITHIN = 12 * BEAT


class NotRecorded(ValueError):
    """The record cannot say what the kind looked like at that time; the message says why."""


@dataclass(frozen=True)
class Coverage:
    """When the record of one kind holds every change: ascending, disjoint intervals."""

    spans: tuple[tuple[float, float], ...]
    #: the retention horizon: nothing before it is kept
    cutoff: float

    @property
    def earliest(self) -> float | None:
        return self.spans[0][0] if self.spans else None

    @property
    def latest(self) -> float | None:
        return self.spans[-1][1] if self.spans else None

    def check(self, at: float, *, now: float) -> None:
        """Raise NotRecorded unless the record holds the kind's state at ``at``."""
        if at > now:
            raise NotRecorded("that time is in the future.")
        if at < self.cutoff:
            raise NotRecorded(
                "that is before the history retention horizon; older changes are deleted."
            )
        if not self.spans:
            raise NotRecorded("no server has recorded this kind yet.")
        if at < self.spans[0][0]:
            raise NotRecorded("that is before crscope started recording this kind.")
        for start, end in self.spans:
            if start <= at <= end:
                return
        before = max(end for _, end in self.spans if end < at)
        after = [start for start, _ in self.spans if start > at]
        if not after:
            raise NotRecorded("no server has recorded this kind since then.")
        raise NotRecorded(
            f"crscope was not watching this kind from {absolute(before)} to {absolute(after[0])}, "
            "so changes in between are not recorded."
        )


def coverage(kind_key: str, *, now: float) -> Coverage:
    """The kind's watch periods merged, from the retention cutoff on; a period still
    beating runs to ``now``."""
    cutoff = retention.cutoff(now)
    rows = (
        WatchPeriod.objects.filter(kind=kind_key, until__gte=cutoff)
        .order_by("started")
        .values_list("started", "until", "closed")
    )
    spans: list[tuple[float, float]] = []
    for started, until, closed in rows:
        end = now if not closed and until >= now - LIVE_WITHIN else until
        begin = max(started, cutoff)
        if spans and begin <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((begin, end))
    return Coverage(tuple(spans), cutoff)


def _scoped(kind_key: str, namespaces: Sequence[str] | None) -> QuerySet[Revision]:
    rows = Revision.objects.filter(kind=kind_key)
    return rows if namespaces is None else rows.filter(namespace__in=list(namespaces))


def namespaces_then(kind_key: str, at: float) -> list[str]:
    """The namespaces the record holds objects of the kind in up to ``at``.

    Why: which namespaces a limited viewer may read is asked of the apiserver for the
    namespaces that hold objects of the kind; for a past list those are the namespaces
    that held them then, which today's cache no longer names once they are emptied.
    """
    found = (
        Revision.objects.filter(kind=kind_key, observed__lte=at)
        .exclude(namespace="")
        .values_list("namespace", flat=True)
        .distinct()
    )
    return sorted(found)


def revisions_at(kind_key: str, at: float, namespaces: Sequence[str] | None) -> list[Revision]:
    """Each object's newest revision at ``at``, for the objects that existed then.

    ``namespaces`` is ``access.namespace_filter``'s answer: None for all, ``[]`` for none.
    """
    if namespaces == []:
        return []
    newest = (
        _scoped(kind_key, namespaces)
        .filter(observed__lte=at)
        .values("uid")
        .annotate(last=Max("id"))
        .values("last")
    )
    rows = Revision.objects.filter(id__in=newest).exclude(type=ChangeType.DELETED.value)
    return list(rows.order_by("observed", "id"))


def unknown_at(kind_key: str, at: float, namespaces: Sequence[str] | None) -> int:
    """Objects whose kept rows start after ``at`` with a change, not a creation: the rows
    that said what they were at ``at`` were trimmed."""
    if namespaces == []:
        return 0
    oldest = _scoped(kind_key, namespaces).values("uid").annotate(first=Min("id")).values("first")
    return (
        Revision.objects.filter(id__in=oldest, observed__gt=at)
        .exclude(type=ChangeType.ADDED.value)
        .count()
    )
