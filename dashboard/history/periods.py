"""Watch periods: when this server has recorded each kind's changes.

Why: a past list is rebuilt from revisions, and revisions are silent both when nothing
changed and when nothing watched (the server was down, the kind not yet synced). A
period opens when the history writer has reconciled a kind's first sync with the record,
and its ``until`` is pushed forward every ``BEAT`` seconds while the kind stays synced. A
server that dies leaves its period at most one beat short: the record then claims less
than it saw, never more.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.history.models import WatchPeriod

#: seconds between heartbeats of the open periods
BEAT = 5.0


class Periods:
    """This writer's open periods, one per kind it records."""

    def __init__(self) -> None:
        self._open: dict[str, int] = {}
        self._last_beat = 0.0

    def open(self, kind: str, now: float) -> None:
        if kind not in self._open:
            self._open[kind] = WatchPeriod.objects.create(kind=kind, started=now, until=now).pk

    def close(self, kind: str) -> None:
        """End ``kind``'s period at its last beat (what came after is not vouched for)."""
        pk = self._open.pop(kind, None)
        if pk is not None:
            WatchPeriod.objects.filter(pk=pk).update(closed=True)

    def beat(self, synced: Iterable[str], now: float) -> None:
        """Extend the periods of the kinds still synced; close the others (a kind that
        lost its watch, or whose CRD is gone, stops being recorded from here).

        The caller beats only when every change it has received is written, so ``until``
        never covers changes still waiting in its queue."""
        if now - self._last_beat < BEAT:
            return
        self._last_beat = now
        keep = set(synced)
        for kind in [k for k in self._open if k not in keep]:
            self.close(kind)
        if self._open:
            WatchPeriod.objects.filter(pk__in=list(self._open.values())).update(until=now)

    def close_all(self, now: float) -> None:
        if self._open:
            WatchPeriod.objects.filter(pk__in=list(self._open.values())).update(
                until=now, closed=True
            )
        self._open.clear()


def prune(cutoff: float) -> None:
    """Forget periods that ended before the retention cutoff."""
    WatchPeriod.objects.filter(until__lt=cutoff).delete()
