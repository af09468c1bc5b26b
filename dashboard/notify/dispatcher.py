"""Noise control: debounce windows, grouping, and per-destination rate limits.

Why windows live in the database: the outbox must hold a notification before it is sent,
and with several replicas the window must be shared. The first occurrence of a key opens a
window and is sent at once (a ``Notification`` already due, with its ``Delivery`` rows); the
occurrences that follow within ``debounce`` seconds are collected in one open notification
(later ones only add an ``Occurrence`` and bump the count), sent when the window closes.
The sender seals the window when it is due, so a late occurrence starts a new window
instead of being lost. A rule with ``debounce: 0`` gets one sealed notification per
occurrence, sent at once.
"""

from __future__ import annotations

import logging
import time

from django.db import IntegrityError, transaction
from django.db.models import F

from dashboard.notify.matching import Hit, occurrence_id
from dashboard.notify.models import OPEN, SEALED, Delivery, Notification, Occurrence

log = logging.getLogger(__name__)
_RACE_RETRIES = 3


def record(hit: Hit, *, now: float | None = None) -> Notification | None:
    """Store one occurrence in the outbox; None when it is already stored (a duplicate)."""
    now = time.time() if now is None else now
    for _ in range(_RACE_RETRIES):
        try:
            with transaction.atomic():
                notification, opened = _window(hit, now)
                occurrence_row(hit, notification).save(force_insert=True)
                if opened:
                    Delivery.objects.bulk_create(
                        Delivery(
                            notification=notification,
                            destination=name,
                            next_attempt_at=notification.due_at,
                            created=now,
                        )
                        for name in hit.rule.destinations
                    )
                return notification
        except IntegrityError:
            if Occurrence.objects.filter(oid=hit.oid).exists():
                return None  # another replica (or a relist) recorded this transition
            # Another writer opened the same window first: attach to theirs on the next try.
    log.warning("notify: could not record %s for rule %s", hit.oid, hit.rule.name)
    return None


def _window(hit: Hit, now: float) -> tuple[Notification, bool]:
    """The notification this occurrence belongs to, and whether it was just opened.

    Leading edge: the first occurrence of a key is sent at once, since a person wants to
    hear about a failure when it happens, not a window later. It opens as a window already
    due (due == opened), which the sender seals and sends on its next tick; the one-open-
    window constraint still makes concurrent replicas agree on a single first. Occurrences
    that follow within ``debounce`` seconds of the first are collected in one open
    notification, due when the window dated from the first closes. After that, the next
    occurrence is a first again.
    """
    rule = hit.rule
    if rule.debounce <= 0:
        return _open(hit, now, status=SEALED, due=now), True
    current = Notification.objects.filter(group_key=hit.group_key, status=OPEN).first()
    if current is not None:
        if current.due_at > now:
            attached = Notification.objects.filter(pk=current.pk, status=OPEN).update(
                count=F("count") + 1, last_at=now
            )
            if attached:
                current.refresh_from_db()
                return current, False
        seal(current.pk)  # a first, or a window that is over: it takes no more occurrences
    # A first is due the moment it opens; a followers' window is due later.
    first = (
        Notification.objects.filter(
            group_key=hit.group_key, opened_at__gt=now - rule.debounce, due_at=F("opened_at")
        )
        .order_by("-opened_at")
        .values_list("opened_at", flat=True)
        .first()
    )
    due = now if first is None else first + rule.debounce
    return _open(hit, now, status=OPEN, due=due), True


def _open(hit: Hit, now: float, *, status: str, due: float) -> Notification:
    notification = notification_row(hit, now, status=status, due=due)
    notification.save(force_insert=True)
    return notification


def notification_row(hit: Hit, now: float, *, status: str, due: float) -> Notification:
    """An unsaved notification opened by ``hit`` (the rule tester renders these too)."""
    return Notification(
        nid=occurrence_id(hit.rule.name, hit.group_key, hit.oid, "notification"),
        rule=hit.rule.name,
        trigger=hit.trigger.value,
        description=hit.rule.trigger.describe()[:300],
        group_key=hit.group_key[:300],
        grouped=hit.rule.group,
        status=status,
        opened_at=now,
        due_at=due,
        last_at=now,
        count=1,
    )


def seal(pk: int) -> None:
    """Close a window to new occurrences (idempotent); its content is then final."""
    Notification.objects.filter(pk=pk, status=OPEN).update(status=SEALED)


def occurrence_row(hit: Hit, notification: Notification) -> Occurrence:
    return Occurrence(
        oid=hit.oid,
        notification=notification,
        kind=hit.kind,
        api_version=hit.api_version,
        kind_name=hit.kind_name,
        namespace=hit.namespace,
        name=hit.name,
        uid=hit.uid,
        observed=hit.observed,
        old_state=hit.old_state,
        old_reason=hit.old_reason[:256],
        new_state=hit.new_state,
        new_reason=hit.new_reason[:256],
        message=hit.message,
        changed_paths=list(hit.changed_paths),
        detail=dict(hit.detail),
    )
