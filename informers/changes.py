"""The unit every consumer receives: one object's transition, old and new.

Why: history, the UI fan-out, notifications and the watch stream all want the same facts
(kind, key, both states, who changed what); computing them once in the informer keeps the
consumers cheap and consistent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from informers.managedfields import ManagedSummary
from informers.store import Entry


class ChangeType(StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Change:
    """A transition of one object. ``old`` is None for ADDED, ``new`` is None for DELETED.

    ``tombstone`` marks a deletion inferred by a relist: the object vanished while the watch
    was down, and ``old`` is the last state the engine saw (client-go's
    DeletedFinalStateUnknown).

    ``managed`` summarizes the new state's managedFields (None for a deletion), so a
    consumer that keeps it (the history writer) can attribute a later change it did not
    see happen, such as one made while the dashboard was down.
    """

    kind: str
    type: ChangeType
    key: str
    old: Entry | None
    new: Entry | None
    observed: float
    managers: tuple[str, ...] = ()
    changed_paths: tuple[str, ...] = ()
    managed: ManagedSummary | None = None
    tombstone: bool = False
    initial: bool = False

    @property
    def entry(self) -> Entry:
        """The newest known state (the last state for a deletion)."""
        entry = self.new if self.new is not None else self.old
        assert entry is not None
        return entry


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A core/v1 Event about a watched custom resource, kept beyond the apiserver's TTL."""

    uid: str
    involved_uid: str
    kind: str
    namespace: str | None
    name: str
    type: str
    reason: str
    message: str
    count: int
    first_seen: float
    last_seen: float
    source: str
    resource_version: str
    raw: dict[str, object] = field(default_factory=dict)


#: Called with every change (``informers.fanout.Hub.listen``).
ChangeListener = Callable[[Change], None]
#: Called with every Event it takes.
EventListener = Callable[[EventRecord], None]
