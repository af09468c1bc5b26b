"""Awaiting a controller: an object without a status, of a kind whose objects have one.

Why: the generic rules call an object with no status Current, because nothing says
otherwise. For a kind whose controller writes a status on every object, that is wrong
in the two cases an operator most needs to see: a new object the controller has not
picked up yet, and every object created while the controller is down, not installed,
or crash-looping. Such an object is InProgress (``AwaitingController``, "waiting for a
controller"), so it turns "stuck" after the kind's threshold like any other.

Whether a kind's controller writes a status is learned from the cached objects of that
kind (one ``AwaitingController`` per informer), not configured: a kind whose objects
carry no status (configuration-only CRDs) is never judged. The tally is decided after
a (re)list, from the whole list, before any object of it is evaluated, so that states
never depend on the order objects arrived in; after that it is kept up to date event
by event, and when it crosses the threshold the informer re-evaluates the cached
objects without a status and publishes the ones whose state changed.

Only objects that are Current by default (no health rule decided, and the generic rules
found nothing to read) are affected. A kind can opt out with a health rule that says
``awaitController: false``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from informers.status import RULE_DEFAULT, State, Status

#: "Most objects of a kind carry a status" means at least this many do, and they are more
#: than half of the kind's objects. Why a minimum: with one or two objects, a status can
#: be an accident (a person's ``kubectl edit --subresource=status``, a restored backup,
#: a controller that writes a status only on errors); a kind with one or two objects is
#: therefore never judged. Three objects with a status that outnumber those without are a
#: pattern, and the smallest count at which one bare object can be outvoted by more than
#: one witness (3 of 4).
MIN_WITH_STATUS = 3
REASON = "AwaitingController"
RULE = "generic/awaiting-controller"
AWAITING = Status(
    State.IN_PROGRESS,
    REASON,
    "waiting for a controller: most objects of this kind have a status, this one has none yet",
    rule=RULE,
    inputs=(("status", None),),
    when="status == null && most objects of this kind have a status",
)


def has_status(obj: Mapping[str, Any] | None) -> bool:
    """True when a controller has written something to ``status`` (an empty one is none)."""
    if obj is None:
        return False
    status = obj.get("status")
    return isinstance(status, Mapping) and bool(status)


class AwaitingController:
    """One kind's tally of objects with and without a status, and what follows from it.

    Not thread-safe on its own: the informer's reflector thread is its only writer.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        #: False for kinds whose rule says ``awaitController: false`` (and metadata-only
        #: kinds, whose objects are cached without their status).
        self.enabled = enabled
        self.objects = 0
        self.with_status = 0

    @property
    def learned(self) -> bool:
        """True when this kind's objects are expected to carry a status."""
        return (
            self.enabled
            and self.with_status >= MIN_WITH_STATUS
            and 2 * self.with_status > self.objects
        )

    def recount(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Start over from a whole (re)list, before any of its objects is evaluated."""
        self.objects = 0
        self.with_status = 0
        for obj in objects:
            self.objects += 1
            self.with_status += has_status(obj)

    def update(self, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> bool:
        """Count one event (``old`` None: added; ``new`` None: deleted). Returns True when
        ``learned`` changed, so the cached objects without a status must be re-evaluated."""
        before = self.learned
        self.objects += (new is not None) - (old is not None)
        self.with_status += has_status(new) - has_status(old)
        return self.learned != before

    def under(self, *, enabled: bool) -> AwaitingController:
        """This tally, switched on or off as other rules would (a draft's ``awaitController``
        in the rule tester): the same learned counts, so ``adjust`` answers as the engine
        would once those rules are in force."""
        other = AwaitingController(enabled=enabled)
        other.objects, other.with_status = self.objects, self.with_status
        return other

    def adjust(self, obj: Mapping[str, Any], status: Status) -> Status:
        """``status``, or "awaiting a controller" for a bare object that is Current only
        because nothing said otherwise (``generic/default``).

        A health rule that decides a bare object's state keeps it: its author knew that
        objects of the kind may have no status (an OCI HelmRepository, an unused KEDA
        TriggerAuthentication), and said so.
        """
        if _defaulted(status) and self.learned and not has_status(obj):
            return AWAITING
        return status

    def outdated(self, obj: Mapping[str, Any], status: Status) -> bool:
        """True when a cached state no longer agrees with the tally, so that ``adjust``
        would now give another answer (a relist keeps unchanged objects' entries)."""
        if has_status(obj):
            return False
        if status == AWAITING:
            return not self.learned
        return _defaulted(status) and self.learned


def _defaulted(status: Status) -> bool:
    return status.state is State.CURRENT and status.rule == RULE_DEFAULT
