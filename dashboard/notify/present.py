"""Notifications as a viewer sees them: filtered by access, newest first, paged.

Why one module for the API and the page: both must hide objects the viewer may not get,
and both page the same way (a signed ``continue`` token bound to the filter, like the
rest of the API). A grouped notification about objects in several namespaces shows a
viewer only their share of it (objects and count); one with nothing visible is skipped
entirely. Delivery counters, too, count only what the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.tokens import BadToken, TokenCodec
from dashboard.core.web.links import object_url_by_key
from dashboard.notify.inbox import MAX_PAIRS, Visibility
from dashboard.notify.models import FAILED, PENDING, SENT, Delivery, Notification, Occurrence
from dashboard.notify.payloads import (
    ObjectSummary,
    headline,
    identity,
    summarize,
    why_of,
)

STATUSES = (PENDING, SENT, FAILED)
MAX_LIMIT = 200
OCCURRENCES_SHOWN = 500
SCAN_FACTOR = 20
_TOKENS = TokenCodec(salt="crscope.notify.pages")


class BadContinue(ValueError):
    """A continue token that is forged, corrupt, or from another query."""


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    continue_token: str | None


def _bound_to(status: str | None) -> str:
    return f"notifications|{status or ''}"


def _decode(token: str, status: str | None) -> tuple[float, int]:
    """The (latest time, pk) the next page starts below."""
    try:
        last = _TOKENS.open(token, bound_to=_bound_to(status))
    except BadToken as exc:
        raise BadContinue(str(exc)) from exc
    if not isinstance(last, list) or len(last) != 2:
        raise BadContinue("malformed token")
    at, before = last
    if not isinstance(at, (int, float)) or not isinstance(before, int):
        raise BadContinue("malformed token")
    return float(at), before


def recent(
    viewer: Viewer,
    *,
    limit: int = 50,
    token: str | None = None,
    status: str | None = None,
    public_url: str = "",
) -> Page:
    """Notifications the viewer may see, latest occurrence first, ``limit`` at most.

    Why by ``last_at``: each item shows its latest occurrence, and a window that kept
    collecting is newer than one opened after it that went quiet; sorting by creation read
    out of time order. A window that collects while someone pages moves to the top, where
    the next look at page one finds it.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    rows = Notification.objects.order_by("-last_at", "-pk")
    if status:
        rows = rows.filter(deliveries__status=status).distinct()
    if token:
        at, before = _decode(token, status)
        rows = rows.filter(Q(last_at__lt=at) | Q(last_at=at, pk__lt=before))
    visibility = Visibility(viewer)
    items: list[dict[str, Any]] = []
    last: Notification | None = None
    exhausted = True
    for scanned, notification in enumerate(rows.iterator(chunk_size=100)):
        if len(items) >= limit or scanned >= limit * SCAN_FACTOR:
            exhausted = False  # a viewer who may see little still gets a bounded answer
            break
        last = notification
        item = view(notification, visibility, public_url=public_url)
        if item is not None:
            items.append(item)
    token_out = None
    if not exhausted and last is not None:
        token_out = _TOKENS.seal([last.last_at, last.pk], bound_to=_bound_to(status))
    return Page(items=items, continue_token=token_out)


def find(viewer: Viewer, nid: str, *, public_url: str = "") -> dict[str, Any] | None:
    notification = Notification.objects.filter(nid=nid).first()
    if notification is None:
        return None
    return view(notification, Visibility(viewer), public_url=public_url)


def view(
    notification: Notification, visibility: Visibility, *, public_url: str = ""
) -> dict[str, Any] | None:
    occurrences = [
        o
        for o in Occurrence.objects.filter(notification=notification).order_by("observed", "id")[
            :OCCURRENCES_SHOWN
        ]
        if visibility.allows(o.kind, o.namespace)
    ]
    if not occurrences:
        return None
    summaries = summarize(occurrences)
    return {
        "id": notification.nid,
        "rule": notification.rule,
        "trigger": notification.trigger,
        "when": notification.description,
        "open": notification.status == "open",
        "openedAt": notification.opened_at,
        "dueAt": notification.due_at,
        "lastAt": notification.last_at,
        "count": _share(notification, visibility),
        "grouped": notification.grouped,
        "summary": headline(notification, summaries),
        "objects": [_object(s, public_url) for s in summaries[:50]],
        "deliveries": [_delivery(d) for d in notification.deliveries.order_by("destination")],
    }


def _share(notification: Notification, visibility: Visibility) -> int:
    """How many of the notification's occurrences the viewer may see.

    Why not ``notification.count``: a grouped notification about several namespaces would
    tell a viewer with one of them how much happened in the others.
    """
    if visibility.viewer.server:
        return notification.count
    scopes = (
        Occurrence.objects.filter(notification=notification)
        .values("kind", "namespace")
        .annotate(n=Count("id"))
    )
    counted = [(visibility.allows(s["kind"], s["namespace"]), s["n"]) for s in scopes]
    if all(allowed for allowed, _ in counted):
        return notification.count
    return sum(n for allowed, n in counted if allowed)


def _object(summary: ObjectSummary, public_url: str) -> dict[str, Any]:
    first, last = summary.first, summary.last
    path = object_url_by_key(first.kind, first.namespace, first.name)
    return {
        **identity(first),
        "oldState": first.old_state or None,
        "newState": last.new_state or None,
        "reason": last.new_reason,
        "message": last.message,
        "why": str(why_of(last).get("text") or ""),
        "occurrences": summary.count,
        "changedPaths": summary.paths,
        "path": path,
        "link": f"{public_url}{path}" if public_url else path,
    }


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "destination": delivery.destination,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "lastError": delivery.last_error or None,
        "lastAttemptAt": delivery.last_attempt_at,
        "nextAttemptAt": delivery.next_attempt_at if delivery.status == PENDING else None,
        "sentAt": delivery.sent_at,
    }


def delivery_counts(viewer: Viewer) -> dict[str, int]:
    """Deliveries by status, of the notifications the viewer may see (one visible object).

    Why per viewer: global totals tell a user with one grant how much happens elsewhere.
    """
    counts = {s: 0 for s in STATUSES}
    rows = Delivery.objects.all()
    if not viewer.server:
        pairs = Occurrence.objects.values_list("kind", "namespace").distinct()[:MAX_PAIRS]
        query = Visibility(viewer).pairs_filter(pairs)
        if query is None:
            return counts
        rows = rows.filter(notification__in=Occurrence.objects.filter(query).values("notification"))
    for row in rows.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def worker_status(viewer: Viewer, worker: dict[str, Any]) -> dict[str, Any]:
    """The outbox worker's counters as this viewer may see them: delivery counts of their
    own notifications; the process-wide counts of recorded occurrences and errors only
    for the server identity (auth mode ``none``), null for everyone else."""
    counts = delivery_counts(viewer)
    shown = {**worker, "pending": counts[PENDING], "failed": counts[FAILED]}
    if not viewer.server:
        shown.update(recorded=None, duplicates=None, errors=None, lastError=None)
    return shown


def failed_deliveries(viewer: Viewer, *, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent deliveries that gave up, for the errors panel."""
    visibility = Visibility(viewer)
    shown: list[dict[str, Any]] = []
    for delivery in (
        Delivery.objects.filter(status=FAILED)
        .select_related("notification")
        .order_by("-last_attempt_at")[: limit * 5]
    ):
        item = view(delivery.notification, visibility)
        if item is not None:
            shown.append(
                {**_delivery(delivery), "notification": item["id"], "summary": item["summary"]}
            )
        if len(shown) >= limit:
            break
    return shown


def retry(viewer: Viewer, nid: str, *, now: float) -> int | None:
    """Re-queue a notification's failed deliveries; None when the viewer cannot see it."""
    notification = Notification.objects.filter(nid=nid).first()
    if notification is None or view(notification, Visibility(viewer)) is None:
        return None
    return Delivery.objects.filter(Q(notification=notification) & Q(status=FAILED)).update(
        status=PENDING, attempts=0, next_attempt_at=now, claimed_by="", claimed_until=None
    )
