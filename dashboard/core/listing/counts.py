"""Per-kind counts by reconcile state, cut down to the namespaces a viewer may see.

Why one module: the rail, the home page's cards, ``/api/v1/health`` and
``/api/v1/resources`` all count, and for the same viewer they must give the same numbers
(they were two implementations once). For a viewer who sees every namespace a count
stays O(states) (index sizes), not O(objects); a viewer limited to some namespaces pays
for a walk over just those.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from dashboard.core.auth.access import namespace_filter
from informers import STATE_ORDER, Informer, State

ORDERED_STATES = (State.FAILED, State.TERMINATING, State.IN_PROGRESS, State.UNKNOWN, State.CURRENT)


@dataclass(frozen=True)
class KindCounts:
    total: int
    by_state: tuple[tuple[State, int], ...]  # every state, worst first
    stuck: int

    @property
    def worst(self) -> State | None:
        present = [s for s, n in self.by_state if n]
        return min(present, key=lambda s: STATE_ORDER[s]) if present else None

    def get(self, state: State) -> int:
        return dict(self.by_state).get(state, 0)


def count_kind(
    informer: Informer,
    allowed: AbstractSet[str] | None,
    *,
    namespace: str | None = None,
    stuck_after: float | None,
    now: float | None = None,
) -> KindCounts:
    """Counts for one kind in what ``allowed`` shows (cut to ``namespace`` when given);
    ``stuck_after=None`` skips the stuck scan (the rail needs none)."""
    now = time.time() if now is None else now
    store = informer.store
    namespaces = namespace_filter(allowed, informer.kind, namespace)
    if namespaces is None:
        raw: dict[State, int] = dict(store.state_counts())
        total = len(store)
    else:
        raw = dict(Counter(e.status.state for e in store.list(namespaces=namespaces)))
        total = sum(raw.values())
    stuck = 0
    if stuck_after is not None:
        slow = store.list(namespaces=namespaces, states=[State.IN_PROGRESS, State.TERMINATING])
        stuck = sum(1 for e in slow if e.stuck(now, stuck_after))
    return KindCounts(
        total=total, by_state=tuple((s, raw.get(s, 0)) for s in ORDERED_STATES), stuck=stuck
    )
