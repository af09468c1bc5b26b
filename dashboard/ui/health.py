"""The health overview: one card per kind and the "needs attention" list.

Why its own module: the home page and its live feed compute exactly the same thing, and
"worst first" must mean one order everywhere. An object needs attention when it is
Failed, stuck (InProgress or Terminating past the kind's threshold) or Terminating.
Worst first: Failed, then stuck, then Terminating; oldest first within each.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dashboard.core.access import Viewer, sync_progress
from dashboard.ui import links
from dashboard.ui.counts import KindCounts, count_kind
from dashboard.ui.kinds import namespace_filter, visible_informers
from dashboard.ui.sampler import sampler
from dashboard.ui.sparkline import Sparkline, sparkline
from informers import Engine, Entry, Informer, KindInfo, State

ATTENTION_LIMIT = 200


@dataclass(frozen=True)
class KindCard:
    kind: KindInfo
    url: str
    counts: KindCounts
    synced: bool
    loaded: int
    total: int | None
    spark: Sparkline
    #: why the dashboard cannot list this kind (past the grace period), else None
    unavailable: str | None = None


@dataclass(frozen=True)
class AttentionRow:
    kind: KindInfo
    entry: Entry
    stuck: bool
    rank: int

    @property
    def key(self) -> str:
        return f"{self.kind.key}|{self.entry.key}"

    @property
    def version(self) -> str:
        return f"{self.entry.resource_version}|{int(self.stuck)}"

    @property
    def url(self) -> str:
        return links.object_url(self.kind, self.entry.namespace, self.entry.name)


def card_for(engine: Engine, informer: Informer, allowed: set[str] | None) -> KindCard:
    counts = count_kind(
        informer, allowed, stuck_after=engine.settings.stuck_threshold(informer.kind.key)
    )
    current = (counts.get(State.FAILED), counts.get(State.IN_PROGRESS))
    failed, progress = sampler.series(informer.kind.key, allowed, current)
    progress_info = sync_progress(informer, allowed)
    failure = informer.unavailable
    return KindCard(
        kind=informer.kind,
        url=links.kind_url(informer.kind),
        counts=counts,
        synced=informer.synced,
        loaded=progress_info.loaded,
        total=progress_info.total,
        spark=sparkline(failed, progress),
        unavailable=failure.reason if failure is not None else None,
    )


def cards(engine: Engine, viewer: Viewer) -> list[KindCard]:
    return [
        card_for(engine, informer, allowed)
        for informer, allowed in visible_informers(engine, viewer)
    ]


def partial_note(engine: Engine, viewer: Viewer) -> str:
    """Why the attention list may be incomplete ("" when every visible kind has synced).

    A list that says "nothing needs attention" while a kind is still loading, or cannot
    be listed at all, would claim what the dashboard does not know.
    """
    syncing = unavailable = 0
    for informer, _ in visible_informers(engine, viewer):
        if informer.synced:
            continue
        if informer.unavailable is not None:
            unavailable += 1
        else:
            syncing += 1
    parts = []
    if syncing:
        parts.append(f"{syncing} kind{'s' if syncing != 1 else ''} still syncing")
    if unavailable:
        parts.append(f"{unavailable} kind{'s' if unavailable != 1 else ''} cannot be listed")
    return ", ".join(parts)


def _rank(entry: Entry, stuck: bool) -> int | None:
    state = entry.status.state
    if state == State.FAILED:
        return 0
    if stuck:
        return 1
    if state == State.TERMINATING:
        return 2
    return None


def attention(
    engine: Engine, viewer: Viewer, *, limit: int = ATTENTION_LIMIT, now: float | None = None
) -> tuple[list[AttentionRow], int]:
    """Rows needing attention, worst and oldest first, and how many there are in all."""
    now = time.time() if now is None else now
    rows: list[AttentionRow] = []
    for informer, allowed in visible_informers(engine, viewer):
        threshold = engine.settings.stuck_threshold(informer.kind.key)
        candidates = informer.store.list(
            namespaces=namespace_filter(informer, allowed),
            states=[State.FAILED, State.IN_PROGRESS, State.TERMINATING],
        )
        for entry in candidates:
            stuck = entry.stuck(now, threshold)
            rank = _rank(entry, stuck)
            if rank is not None:
                rows.append(AttentionRow(kind=informer.kind, entry=entry, stuck=stuck, rank=rank))
    rows.sort(key=lambda r: (r.rank, r.entry.since, r.kind.key, r.entry.key))
    return rows[:limit], len(rows)
