"""How long history is kept: by age, and by a number of rows per object.

Why a baseline survives the age cut: deleting every row older than the cutoff would also
delete the one row that says what an unchanged object is, and a kind's list as of any
later time (``dashboard.history.asof``) would lose it. So each object keeps its newest
row from before the cutoff, unless that row records its deletion or its kind has not been
recorded since the cutoff. The row count per
object is a hard bound; what it trims is reported by ``asof.unknown_at``.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max

from dashboard.history import periods
from dashboard.history.models import EventRow, Revision, WatchPeriod
from informers import ChangeType


def cutoff(now: float) -> float:
    """The oldest time history keeps (``CRSCOPE_HISTORY_MAX_AGE_DAYS`` before ``now``)."""
    return now - settings.CRSCOPE_HISTORY_MAX_AGE_DAYS * 86400


def apply(now: float) -> None:
    oldest = cutoff(now)
    expire_revisions(oldest)
    EventRow.objects.filter(last_seen__lt=oldest).delete()
    periods.prune(oldest)
    trim_per_object(settings.CRSCOPE_HISTORY_MAX_REVISIONS)


def expire_revisions(oldest: float) -> None:
    """Delete revisions observed before ``oldest``, except each object's baseline in the
    kinds still recorded since then (a kind nobody watches any more keeps nothing old:
    no past list of it can be asked for, and the retention promise holds)."""
    recorded = WatchPeriod.objects.filter(until__gte=oldest).values("kind")
    baselines = (
        Revision.objects.filter(observed__lt=oldest, kind__in=recorded)
        .values("uid")
        .annotate(last=Max("id"))
        .values("last")
    )
    # subqueries, not id lists: a large record would pass SQLite's limit on parameters
    keep = (
        Revision.objects.filter(id__in=baselines)
        .exclude(type=ChangeType.DELETED.value)
        .values("id")
    )
    Revision.objects.filter(observed__lt=oldest).exclude(id__in=keep).delete()


def trim_per_object(limit: int) -> None:
    """Keep each object's newest ``limit`` rows."""
    crowded = (
        Revision.objects.values("uid")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
        .values_list("uid", flat=True)
    )
    for uid in list(crowded):
        keep = list(
            Revision.objects.filter(uid=uid).order_by("-id").values_list("id", flat=True)[:limit]
        )
        Revision.objects.filter(uid=uid).exclude(id__in=keep).delete()
