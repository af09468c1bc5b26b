"""What "needs attention" means, and the one order in which it is listed.

Why its own module: the home page (and its live feed) and ``/api/v1/health`` both list
what needs attention. With a rule each they disagreed — the page ranked stuck objects
before Terminating ones, the API the reverse — so a person and a script reading the same
cluster were told different "worst first" answers. Both now ask this module.

An object needs attention when it is Failed, stuck (InProgress or Terminating past its
kind's threshold) or Terminating. Worst first: Failed, then stuck, then Terminating (a
deletion that is still within its threshold is usually just a finalizer at work); oldest
first within each rank, then by kind and key so that ties have one order too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from informers import Entry, Informer, KindInfo, State

#: the ranks, worst first
FAILED, STUCK, TERMINATING = 0, 1, 2

#: the states an object needing attention can be in (InProgress only when stuck)
STATES = (State.FAILED, State.IN_PROGRESS, State.TERMINATING)


def rank(entry: Entry, stuck: bool) -> int | None:
    """The object's rank in the attention list, or None when it needs no attention."""
    state = entry.status.state
    if state == State.FAILED:
        return FAILED
    if stuck:
        return STUCK
    if state == State.TERMINATING:
        return TERMINATING
    return None


@dataclass(frozen=True)
class Needing:
    """One object that needs attention, with why (its rank) and whether it is stuck."""

    kind: KindInfo
    entry: Entry
    stuck: bool
    rank: int

    @property
    def sort_key(self) -> tuple[int, float, str, str]:
        """Worst first, then oldest first; kind and key only break ties."""
        return (self.rank, self.entry.since, self.kind.key, self.entry.key)


def ranked(
    informer: Informer, *, namespaces: list[str] | None, stuck_after: float, now: float
) -> Iterator[tuple[Entry, bool, int]]:
    """(entry, stuck, rank) of the kind's objects in ``namespaces`` (None = all) that need
    attention, unsorted. Why tuples: the home page groups tens of thousands of them at
    scale and keeps only a few; an object per match was most of its time."""
    for entry in informer.store.list(namespaces=namespaces, states=STATES):
        stuck = entry.stuck(now, stuck_after)
        place = rank(entry, stuck)
        if place is not None:
            yield entry, stuck, place


def needing(
    informer: Informer, *, namespaces: list[str] | None, stuck_after: float, now: float
) -> list[Needing]:
    """The kind's objects in ``namespaces`` (None = all) that need attention, unsorted."""
    kind = informer.kind
    found = ranked(informer, namespaces=namespaces, stuck_after=stuck_after, now=now)
    return [Needing(kind=kind, entry=e, stuck=stuck, rank=place) for e, stuck, place in found]
