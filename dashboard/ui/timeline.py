"""An object's timeline: its revisions and its Kubernetes Events, newest first.

Why merged here: history rows and Events live in two tables with different clocks
(observed vs. lastTimestamp); the page wants one story. Revisions are found by
(kind, namespace, name), so a deleted-and-recreated object keeps its past; Events by the
uids those revisions carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.history.models import EventRow, Revision
from dashboard.ui.fragments import dom_id

LIMIT = 100
MAX_CHIPS = 8


@dataclass(frozen=True)
class Item:
    """One timeline entry; ``revision`` or ``event`` is set."""

    at: float
    dom_id: str
    revision: Revision | None = None
    event: EventRow | None = None
    previous_id: int | None = None  # the revision before this one (for "diff")

    @property
    def chips(self) -> list[str]:
        paths = list(self.revision.changed_paths) if self.revision is not None else []
        return paths[:MAX_CHIPS]

    @property
    def more_chips(self) -> int:
        paths = self.revision.changed_paths if self.revision is not None else []
        return max(0, len(paths) - MAX_CHIPS)

    @property
    def version(self) -> str:
        if self.event is not None:
            return f"{self.event.count}|{self.event.last_seen}"
        return "r"


def revisions(
    kind_key: str, namespace: str | None, name: str, limit: int = LIMIT
) -> list[Revision]:
    return list(
        Revision.objects.filter(kind=kind_key, namespace=namespace or "", name=name)
        .defer("body")
        .order_by("-id")[:limit]
    )


def last_revision(kind_key: str, namespace: str | None, name: str) -> Revision | None:
    return (
        Revision.objects.filter(kind=kind_key, namespace=namespace or "", name=name)
        .order_by("-id")
        .first()
    )


def events(uids: set[str], limit: int = LIMIT) -> list[EventRow]:
    uids.discard("")
    if not uids:
        return []
    return list(
        EventRow.objects.filter(involved_uid__in=sorted(uids)).order_by("-last_seen", "-id")[:limit]
    )


def build(
    kind_key: str, namespace: str | None, name: str, *, uid: str = "", limit: int = LIMIT
) -> list[Item]:
    revs = revisions(kind_key, namespace, name, limit)
    items = [
        Item(
            at=r.observed,
            dom_id=f"rev-{r.id}",
            revision=r,
            previous_id=revs[i + 1].id if i + 1 < len(revs) else None,
        )
        for i, r in enumerate(revs)
    ]
    uids = {r.uid for r in revs} | {uid}
    items += [
        Item(at=e.last_seen, dom_id=dom_id("ev", e.uid), event=e) for e in events(uids, limit)
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
