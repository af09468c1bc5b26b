"""One kind's counts by state in the API's shape, summed across kinds for ``/health``.

Why shared: ``/resources`` and ``/health`` must report the same numbers for the same
caller, and the same as the home page: the counting itself is ``core.listing.counts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.api.scope import KindScope
from dashboard.core.listing.counts import count_kind


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
    """The kind's counts as the API reports them (``count_kind``, cut to the caller)."""
    informer, allowed = scope.informer, scope.namespaces
    counts = count_kind(
        informer, allowed, namespace=namespace, stuck_after=scope.stuck_after, now=now
    )
    states = {state.value: n for state, n in counts.by_state if n}
    return Tally(total=counts.total, states=states, stuck=counts.stuck)
