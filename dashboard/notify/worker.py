"""The outbox worker: claims due deliveries, hands them to senders, records every outcome.

Why claims with a lease: with several replicas sharing the database, a delivery must be
sent by one of them. A claim is a conditional UPDATE (``status = pending`` and no live
claim), which the database serialises, so exactly one replica wins; the lease
(``claimed_until``) makes a crashed replica's claims available again. On SQLite a single
server process is assumed, so start-up simply releases every claim left by the previous
run. Failed sends are retried with exponential backoff and jitter up to ``max_attempts``,
then marked failed with the last reason. Delivery is at least once: a crash between a
successful POST and recording it sends that message again, under the same id.

``tick()`` does one round of work; the service calls it from its thread, tests call it
directly.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import socket
import time
import uuid
from collections.abc import Callable

import orjson
from django.db import connection
from django.db.models import F, Q

from dashboard.core.web.ratelimit import RateLimiter
from dashboard.notify import inbox
from dashboard.notify.destinations import IN_APP, SLACK, Destination
from dashboard.notify.dispatcher import seal
from dashboard.notify.models import (
    FAILED,
    PENDING,
    SENT,
    Delivery,
    InboxItem,
    Notification,
    Occurrence,
)
from dashboard.notify.options import NotifyOptions
from dashboard.notify.payloads import headline, slack_payload, summarize, webhook_payload
from dashboard.notify.rules import RuleSet
from dashboard.notify.senders import DestinationSender, HttpPoster, Job, Outcome

log = logging.getLogger(__name__)
MAX_IN_FLIGHT = 4  # per destination: bounded so a lease covers every claimed message
INBOX_PER_TICK = 200
CLAIM_SCAN = 500


def backoff(attempts: int, options: NotifyOptions, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: doubling from the base, capped, with equal jitter."""
    ceiling = min(options.retry_max_seconds, options.retry_base_seconds * 2.0 ** (attempts - 1))
    delay: float = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, 3600.0))
    return delay


class OutboxWorker:
    def __init__(
        self, *, options: NotifyOptions, rules: Callable[[], RuleSet], worker_id: str | None = None
    ) -> None:
        self.options = options
        self.rules = rules
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.results: queue.SimpleQueue[tuple[Job, Outcome]] = queue.SimpleQueue()
        self.senders: dict[str, DestinationSender] = {}
        #: a destination's ``rate_limit``: one bucket each, keyed by the destination's name
        self.buckets: dict[str, RateLimiter] = {}
        self.poster = HttpPoster(
            connect_timeout=options.connect_timeout, read_timeout=options.read_timeout
        )
        self.sent = 0
        self.failed_attempts = 0
        self.recovered = False
        self._unrecorded: list[tuple[Job, Outcome]] = []

    # -- lifecycle -------------------------------------------------------------------------
    def recover(self) -> int:
        """At start on SQLite (one process), claims of the previous run are void."""
        if connection.vendor != "sqlite":
            return 0
        released = (
            Delivery.objects.filter(status=PENDING)
            .exclude(claimed_by="")
            .update(claimed_by="", claimed_until=None)
        )
        if released:
            log.info("notify: released %s deliveries claimed before a restart", released)
        return released

    def stop(self, timeout: float = 15.0) -> None:
        """Let senders finish their current message, then record what came back."""
        for sender in self.senders.values():
            sender.stop()
        deadline = time.monotonic() + timeout
        for sender in self.senders.values():
            sender.join(max(0.0, deadline - time.monotonic()))
        self.drain_results()
        self.senders.clear()

    # -- one round -------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> None:
        if not self.recovered:
            self.recover()
            self.recovered = True  # only once it succeeded: a locked database retries it
        self.drain_results()
        self.dispatch_due(self.rules(), time.time() if now is None else now)

    def _sync_senders(self, ruleset: RuleSet) -> None:
        remote = {n for n, d in ruleset.destinations.items() if d.remote}
        for name in remote - self.senders.keys():
            self.senders[name] = DestinationSender(name, self.poster, self.results)
        for name in list(self.senders.keys() - remote):
            if self.senders[name].in_flight == 0:
                self.senders.pop(name).stop()
        for name, dest in ruleset.destinations.items():
            bucket = self.buckets.get(name)
            if dest.rate is None:
                self.buckets.pop(name, None)
            else:
                count, per = dest.rate
                if bucket is None or (bucket.burst, bucket.rate) != (float(count), count / per):
                    self.buckets[name] = RateLimiter(rate=count / per, burst=float(count))

    def _room(self, ruleset: RuleSet) -> dict[str, int]:
        room: dict[str, int] = {}
        for name in ruleset.destinations:
            sender = self.senders.get(name)  # remote destinations have one; the inbox does not
            free = MAX_IN_FLIGHT - sender.in_flight if sender is not None else INBOX_PER_TICK
            bucket = self.buckets.get(name)
            if bucket is not None:
                free = min(free, bucket.available(name))
            if free > 0:
                room[name] = free
        return room

    def dispatch_due(self, ruleset: RuleSet, now: float) -> int:
        """Claim what is due and has room; returns how many deliveries were started."""
        self._sync_senders(ruleset)
        room = self._room(ruleset)
        if not room:
            return 0
        due = (
            Delivery.objects.filter(
                status=PENDING, next_attempt_at__lte=now, destination__in=list(room)
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at", "id")
            .values_list("id", "destination")[:CLAIM_SCAN]
        )
        started = 0
        for delivery_id, name in list(due):
            if room.get(name, 0) <= 0 or not self._claim(delivery_id, now):
                continue
            room[name] -= 1
            started += 1
            try:
                self._start(delivery_id, ruleset.destinations[name], now)
            except Exception as exc:  # release the claim now rather than at lease expiry
                log.exception("notify: preparing delivery %s failed", delivery_id)
                self.finish(delivery_id, Outcome(ok=False, error=f"internal error: {exc}"), now)
        return started

    def _claim(self, delivery_id: int, now: float) -> bool:
        return bool(
            Delivery.objects.filter(pk=delivery_id, status=PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(
                claimed_by=self.id,
                claimed_until=now + self.options.lease_seconds,
                last_attempt_at=now,
            )
        )

    def _start(self, delivery_id: int, dest: Destination, now: float) -> None:
        notification_id = Delivery.objects.values_list("notification_id", flat=True).get(
            pk=delivery_id
        )
        seal(notification_id)  # due: later occurrences open a new window
        notification = Notification.objects.get(pk=notification_id)
        occurrences = list(
            Occurrence.objects.filter(notification_id=notification_id).order_by("observed", "id")
        )
        if dest.type == IN_APP:
            self._to_inbox(notification, occurrences, now)
            self.finish(delivery_id, Outcome(ok=True), now)
            return
        build = slack_payload if dest.type == SLACK else webhook_payload
        body = orjson.dumps(build(notification, occurrences, public_url=self.options.public_url))
        bucket = self.buckets.get(dest.name)
        if bucket is not None:
            bucket.take(dest.name)
        self.senders[dest.name].submit(Job(delivery_id, notification.nid, dest, body))

    def _to_inbox(
        self, notification: Notification, occurrences: list[Occurrence], now: float
    ) -> None:
        scopes = sorted({(o.kind, o.namespace) for o in occurrences})
        InboxItem.objects.bulk_create(
            [
                InboxItem(notification=notification, kind=k, namespace=ns, created=now)
                for k, ns in scopes
            ],
            ignore_conflicts=True,
        )
        inbox.announce(
            inbox.Notice(
                nid=notification.nid,
                rule=notification.rule,
                summary=headline(notification, summarize(occurrences)),
                scopes=tuple(scopes),
            )
        )

    # -- outcomes --------------------------------------------------------------------------
    def drain_results(self) -> int:
        """Record what the senders reported; a result that cannot be written yet is kept."""
        pending, self._unrecorded = self._unrecorded, []
        while True:
            try:
                job, outcome = self.results.get_nowait()
            except queue.Empty:
                break
            sender = self.senders.get(job.destination.name)
            if sender is not None:
                sender.in_flight = max(0, sender.in_flight - 1)
            pending.append((job, outcome))
        for index, (job, outcome) in enumerate(pending):
            try:
                self.finish(job.delivery_id, outcome, time.time())
            except Exception:
                self._unrecorded = pending[index:]
                raise
        return len(pending)

    def finish(self, delivery_id: int, outcome: Outcome, now: float) -> None:
        """Record one attempt; a claim lost to another replica is left alone."""
        mine = Delivery.objects.filter(pk=delivery_id, claimed_by=self.id, status=PENDING)
        if outcome.ok:
            updated = mine.update(
                status=SENT,
                sent_at=now,
                attempts=F("attempts") + 1,
                claimed_by="",
                claimed_until=None,
                last_error="",
            )
            self.sent += updated
            return
        self.failed_attempts += 1
        attempts = (mine.values_list("attempts", flat=True).first() or 0) + 1
        if attempts >= self.options.max_attempts:
            mine.update(
                status=FAILED,
                attempts=attempts,
                claimed_by="",
                claimed_until=None,
                last_error=outcome.error[:2000],
            )
            log.warning(
                "notify: delivery %s failed for good after %s attempts: %s",
                delivery_id,
                attempts,
                outcome.error,
            )
            return
        mine.update(
            attempts=attempts,
            claimed_by="",
            claimed_until=None,
            last_error=outcome.error[:2000],
            next_attempt_at=now + backoff(attempts, self.options, outcome.retry_after),
        )
