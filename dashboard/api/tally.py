"""Counting one kind's objects by state, within what the caller may see.

Why shared: ``/resources`` and ``/health`` must report the same numbers for the same
caller. The common case (a caller who sees every namespace) uses the store's state index
and only walks InProgress/Terminating entries for "stuck"; a caller limited to some
namespaces pays for a walk over just those namespaces.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dashboard.api.scope import KindScope
from dashboard.core.access import namespace_filter
from informers import State

_MAY_BE_STUCK = (State.IN_PROGRESS, State.TERMINATING)


@dataclass
class Tally:
    total: int = 0
    states: dict[str, int] = field(default_factory=dict)
    stuck: int = 0

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.stuck += other.stuck
        for state, count in other.states.items():
            self.states[state] = self.states.get(state, 0) + count


def tally(scope: KindScope, *, namespace: str | None = None, now: float | None = None) -> Tally:
    now = time.time() if now is None else now
    store = scope.informer.store
    threshold = scope.stuck_after
    namespaces = namespace_filter(scope.namespaces, scope.kind, namespace)
    if namespaces is None:
        counts = store.state_counts()
        result = Tally(
            total=sum(counts.values()), states={state.value: n for state, n in counts.items()}
        )
        result.stuck = sum(1 for e in store.list(states=_MAY_BE_STUCK) if e.stuck(now, threshold))
        return result
    result = Tally()
    for entry in store.list(namespaces=namespaces):
        result.total += 1
        state = entry.status.state.value
        result.states[state] = result.states.get(state, 0) + 1
        result.stuck += entry.stuck(now, threshold)
    return result
