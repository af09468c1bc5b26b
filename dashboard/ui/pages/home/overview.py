"""The home page's overview: one card per kind and the "needs attention" list.

(Named "overview", not "health": health means the probes, object health and the API's
health gate too.)

Why its own module: the home page and its live feed compute exactly the same thing, and
"worst first" must mean one order everywhere: what needs attention, and in which order,
is ``dashboard.core.listing.attention``'s rule, the same one ``/api/v1/health`` lists by.

At scale (60+ kinds, 1,000 failures) the same rules must still fit one screen: objects of
one kind that need attention for one reason are one group row with a count and a link to
the kind's filtered list, once there are ``GROUP_AT`` of them; cards order worst first by
the engine's ``STATE_ORDER``; kinds with no objects are left to a one-line fold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from dashboard.core.auth.access import namespace_filter, sync_progress
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing import attention as needs
from dashboard.core.listing.counts import KindCounts, count_kind
from dashboard.core.web import links
from dashboard.ui.kinds import visible_informers
from dashboard.ui.pages.home.sampler import sampler
from dashboard.ui.pages.home.scope import with_scope
from dashboard.ui.pages.home.sparkline import Sparkline, sparkline
from informers import STATE_ORDER, Engine, Entry, Informer, KindInfo, State

ATTENTION_LIMIT = 200
#: objects of one kind, rank and reason from which they show as one group row
GROUP_AT = 10


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
class AttentionRow(needs.Needing):
    """One object needing attention, as the home page shows it (a row and its link)."""

    @property
    def key(self) -> str:
        return f"{self.kind.key}|{self.entry.key}"

    @property
    def version(self) -> str:
        # the state too: reloaded health rules change it without a new resourceVersion
        status = self.entry.status
        digest = hash((status.state, status.reason, status.message, status.rule, status.when))
        return f"{self.entry.resource_version}|{int(self.stuck)}|{digest}"

    @property
    def url(self) -> str:
        return links.object_url(self.kind, self.entry.namespace, self.entry.name)

    @property
    def count(self) -> int:
        return 1


# The list page's filter for each attention rank: what a group row's link opens.
_RANK_FILTER = {
    needs.FAILED: "?state=Failed",
    needs.STUCK: "?stuck=true",
    needs.TERMINATING: "?state=Terminating&stuck=false",
}


@dataclass(frozen=True)
class AttentionGroup:
    """Many objects of one kind needing attention for one reason, shown as one row."""

    kind: KindInfo
    rank: int
    reason: str
    count: int
    #: the oldest member, whose state, message and age the row shows
    oldest: AttentionRow
    #: the namespace the home page is scoped to, which the row's link keeps
    namespace: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.key}|group|{self.rank}|{self.reason}"

    @property
    def version(self) -> str:
        return f"{self.count}|{self.oldest.version}|{self.oldest.entry.key}"

    @property
    def url(self) -> str:
        return with_scope(links.kind_url(self.kind) + _RANK_FILTER[self.rank], self.namespace)

    @property
    def sort_key(self) -> tuple[int, float, str, str]:
        return self.oldest.sort_key


AttentionItem = AttentionRow | AttentionGroup


@dataclass(frozen=True)
class Attention:
    """What "Needs attention" shows: items worst first, and how many objects in all."""

    items: list[AttentionItem]
    total: int

    @property
    def shown(self) -> int:
        return sum(item.count for item in self.items)


def card_for(
    engine: Engine, informer: Informer, allowed: set[str] | None, namespace: str | None = None
) -> KindCard:
    counts = count_kind(
        informer, allowed, stuck_after=engine.settings.stuck_threshold(informer.kind.key)
    )
    current = (counts.get(State.FAILED), counts.get(State.IN_PROGRESS))
    failed, progress = sampler.series(informer.kind, allowed, current)
    progress_info = sync_progress(informer, allowed)
    failure = informer.unavailable
    return KindCard(
        kind=informer.kind,
        url=with_scope(links.kind_url(informer.kind), namespace),
        counts=counts,
        synced=informer.synced,
        loaded=progress_info.loaded,
        total=progress_info.total,
        spark=sparkline(failed, progress),
        unavailable=failure.reason if failure is not None else None,
    )


def severity(card: KindCard) -> tuple[int, int, str, str]:
    """Worst first by ``STATE_ORDER`` (stuck objects and an unlistable kind rank as Failed),
    then the kind with most objects in its worst state, then by name."""
    worst = card.counts.worst
    rank = STATE_ORDER[worst] if worst is not None else len(STATE_ORDER)
    if card.counts.stuck or card.unavailable:
        rank = STATE_ORDER[State.FAILED]
    many = card.counts.get(worst) if worst is not None else 0
    return (rank, -many, card.kind.kind.lower(), card.kind.group)


def is_empty(card: KindCard) -> bool:
    """Nothing to show but a name: synced, listable, and no objects the viewer may see."""
    return card.synced and card.unavailable is None and card.counts.total == 0


def cards(engine: Engine, viewer: Viewer, namespace: str | None = None) -> list[KindCard]:
    """Every visible kind's card, worst first (in ``namespace`` only, when given)."""
    found = [
        card_for(engine, informer, allowed, namespace)
        for informer, allowed in visible_informers(engine, viewer, namespace)
    ]
    return sorted(found, key=severity)


def partial_note(engine: Engine, viewer: Viewer, namespace: str | None = None) -> str:
    """Why the attention list may be incomplete ("" when every visible kind has synced).

    A list that says "nothing needs attention" while a kind is still loading, or cannot
    be listed at all, would claim what the dashboard does not know.
    """
    syncing = unavailable = 0
    for informer, _ in visible_informers(engine, viewer, namespace):
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


def attention(
    engine: Engine,
    viewer: Viewer,
    *,
    namespace: str | None = None,
    limit: int = ATTENTION_LIMIT,
    now: float | None = None,
) -> Attention:
    """What needs attention, worst and oldest first (large sets grouped), and the total."""
    now = time.time() if now is None else now
    buckets = _Buckets(namespace=namespace)
    for informer, allowed in visible_informers(engine, viewer, namespace):
        found = needs.ranked(
            informer,
            namespaces=namespace_filter(allowed, informer.kind),
            stuck_after=engine.settings.stuck_threshold(informer.kind.key),
            now=now,
        )
        kind = informer.kind
        for entry, stuck, rank in found:
            buckets.add(kind, entry, stuck, rank)
    items = buckets.items()
    items.sort(key=lambda item: item.sort_key)
    return Attention(items=items[:limit], total=buckets.total)


def grouped(
    rows: list[AttentionRow], *, at: int = GROUP_AT, namespace: str | None = None
) -> list[AttentionItem]:
    """Rows of one kind, rank and reason become one group once there are ``at`` of them."""
    buckets = _Buckets(at=at, namespace=namespace)
    for row in rows:
        buckets.add(row.kind, row.entry, row.stuck, row.rank)
    return buckets.items()


@dataclass
class _Bucket:
    """The objects of one kind, rank and reason: members until they are ``at``, then only
    how many and the oldest (its ``since``, then its key, as ``Needing.sort_key`` orders)."""

    kind: KindInfo
    rank: int
    reason: str
    oldest: tuple[float, str, Entry, bool]
    members: list[tuple[Entry, bool]] | None
    count: int = 1


class _Buckets:
    """Objects needing attention, grouped as they are walked.

    Why not a row per object, then groups: at 50k stuck objects the home page spent most
    of its ~230 ms building a row for each and the grouping's keys (a bucket past ``at``
    needs only its count and its oldest member).
    """

    def __init__(self, *, at: int = GROUP_AT, namespace: str | None = None) -> None:
        self.at = at
        self.namespace = namespace
        self.total = 0
        self._buckets: dict[tuple[str, int, str], _Bucket] = {}

    def add(self, kind: KindInfo, entry: Entry, stuck: bool, rank: int) -> None:
        self.total += 1
        reason = entry.status.reason
        bucket = self._buckets.get((kind.key, rank, reason))
        age = (entry.since, entry.key, entry, stuck)
        if bucket is None:
            self._buckets[(kind.key, rank, reason)] = _Bucket(
                kind, rank, reason, age, [(entry, stuck)]
            )
            return
        bucket.count += 1
        if age[:2] < bucket.oldest[:2]:
            bucket.oldest = age
        if bucket.members is not None:
            bucket.members.append((entry, stuck))
            if bucket.count >= self.at:
                bucket.members = None

    def items(self) -> list[AttentionItem]:
        items: list[AttentionItem] = []
        for b in self._buckets.values():
            if b.members is not None:
                items.extend(AttentionRow(b.kind, e, stuck, b.rank) for e, stuck in b.members)
                continue
            _, _, entry, stuck = b.oldest
            items.append(
                AttentionGroup(
                    kind=b.kind,
                    rank=b.rank,
                    reason=b.reason,
                    count=b.count,
                    oldest=AttentionRow(b.kind, entry, stuck, b.rank),
                    namespace=self.namespace,
                )
            )
        return items
