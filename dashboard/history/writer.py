"""The history writer: batches revisions and Events from the engine into the database.

Why a thread with a queue: informer listeners run on reader threads and must not wait on
disk. The queue is unbounded on purpose (history must not be dropped); its depth is
exported as a metric. Inserts are idempotent on (uid, resourceVersion, type), so restarts
and several replicas never duplicate rows.

What happened while the server was down is reconciled here, against the record, not in
the engine. The engine's first list reports every object as ADDED (``Change.initial``),
as client-go does: it knows nothing older than its own start, and stays free of any
database. The writer is the one part that holds the last recorded revision, so it turns
each first sighting into what it was: nothing, when the record already has that
resourceVersion; MODIFIED, diffed against the last recorded body and credited by
``informers.managers_for_change`` against the stored managedFields summary, when the
object changed; ADDED when the record never saw it. The lookup runs on this thread, one
query per batch, so reader threads never wait on it (an engine-side seam would have put
that query on them). After a kind's first sync, objects the database believes alive but
the cluster no longer has get a tombstone row carrying their last recorded state: they
were deleted while the server was down.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import orjson
from django.db import close_old_connections, connection
from django.db.models import Max

from dashboard.core.auth.redactor import redact_body
from dashboard.history import periods, retention
from dashboard.history.models import EventRow, Revision
from informers import (
    Change,
    ChangeType,
    Engine,
    EventRecord,
    changed_paths,
    decode_summary,
    diff_objects,
    encode_summary,
    managers_for_change,
)

log = logging.getLogger(__name__)

BATCH = 500
FLUSH_SECONDS = 0.25
RETENTION_EVERY = 600.0


def _rv_int(rv: str) -> int:
    try:
        return int(rv)
    except ValueError:
        return 0


def revision_row(change: Change) -> Revision:
    entry = change.entry
    meta = entry.metadata
    generation = meta.get("generation")
    return Revision(
        kind=change.kind,
        uid=entry.uid,
        namespace=entry.namespace or "",
        name=entry.name,
        resource_version=entry.resource_version,
        rv_int=_rv_int(entry.resource_version),
        type=change.type.value,
        observed=change.observed,
        generation=generation if isinstance(generation, int) else None,
        managers=list(change.managers),
        changed_paths=list(change.changed_paths),
        managed_summary=encode_summary(change.managed) if change.managed is not None else None,
        state=entry.status.state.value if change.new is not None else "",
        tombstone=change.tombstone,
        # stored redacted: the database is read by the API, the pages and backups, none of
        # which may see a secret (docs/redaction.md)
        body=orjson.dumps(redact_body(entry.obj)).decode(),
    )


def sighting_row(change: Change, last: Revision | None) -> Revision | None:
    """The row for the engine's first sighting of an object, given its last recorded row.

    None when the record already holds this state (or a newer one): a restart with
    nothing new writes nothing. A change made while nothing watched becomes one MODIFIED
    row against the last recorded body; an object the record never saw (or saw deleted)
    stays ADDED.
    """
    row = revision_row(change)
    if last is None or last.type == ChangeType.DELETED.value:
        return row
    if last.resource_version == row.resource_version or last.rv_int > row.rv_int:
        return None
    # Both sides as stored, so how the body column stores an object never shows as a
    # change; the old side redacted again (idempotent), since rows written before history
    # was stored redacted hold secrets in plain text that must not read as changed.
    paths = tuple(changed_paths(diff_objects(redact_body(decode(last.body)), decode(row.body))))
    row.type = ChangeType.MODIFIED.value
    row.changed_paths = list(paths)
    row.managers = managers_for_change(
        decode_summary(last.managed_summary), change.managed or {}, paths
    )
    return row


def last_recorded(uids: set[str]) -> dict[str, Revision]:
    """The newest row of each uid that has any."""
    newest = (
        Revision.objects.filter(uid__in=sorted(uids))
        .values("uid")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return {rev.uid: rev for rev in Revision.objects.filter(id__in=list(newest))}


def revision_rows(changes: list[Change]) -> list[Revision]:
    """Rows for a batch of changes; first sightings are reconciled with the record."""
    sightings = {c.entry.uid for c in changes if _first_sighting(c)}
    last = last_recorded(sightings) if sightings else {}
    rows = []
    for change in changes:
        if _first_sighting(change):
            row = sighting_row(change, last.get(change.entry.uid))
            if row is not None:
                rows.append(row)
        else:
            rows.append(revision_row(change))
    return rows


def _first_sighting(change: Change) -> bool:
    return change.initial and change.type is ChangeType.ADDED


def event_row(record: EventRecord) -> EventRow:
    return EventRow(
        uid=record.uid,
        involved_uid=record.involved_uid,
        kind=record.kind,
        namespace=record.namespace or "",
        name=record.name,
        type=record.type,
        reason=record.reason[:256],
        message=record.message,
        count=record.count,
        first_seen=record.first_seen,
        last_seen=record.last_seen,
        source=record.source[:256],
        resource_version=record.resource_version,
    )


class HistoryWriter:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Change | EventRecord] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._engine: Engine | None = None
        #: kind key -> id() of the informer whose first sync was reconciled with the record
        self._reconciled: dict[str, int] = {}
        self._periods = periods.Periods()
        self._last_retention = 0.0
        self.written = 0
        self.errors = 0
        self.idle = threading.Event()

    # -- engine hooks ----------------------------------------------------------------------
    def attach(self, engine: Engine) -> None:
        self._engine = engine
        engine.add_change_listener(self._queue.put)
        engine.add_event_listener(self._queue.put)

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="history-writer")
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued (the loop drains before it ends), for at most ``timeout``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("history: stopped with %s changes not yet written", self.depth)

    # -- loop ------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stop.is_set() or not self._queue.empty():
                batch = self._take()
                if batch:
                    self.idle.clear()
                    self._write(batch)
                else:
                    self.idle.set()
                try:
                    self._maintain()
                except Exception as exc:  # a locked or absent database must not end recording
                    self.errors += 1
                    log.warning("history: upkeep failed, retrying: %s", exc)
                    close_old_connections()
                    self._stop.wait(1.0)
        finally:
            try:
                self._periods.close_all(time.time())
            except Exception as exc:  # the record then ends at the last beat: less, not more
                log.warning("history: could not close the watch periods: %s", exc)
            close_old_connections()
            connection.close()

    def _take(self) -> list[Change | EventRecord]:
        batch: list[Change | EventRecord] = []
        deadline = time.monotonic() + FLUSH_SECONDS
        while len(batch) < BATCH:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[Change | EventRecord]) -> None:
        changes = [c for c in batch if isinstance(c, Change)]
        events: dict[str, EventRow] = {}
        for item in batch:
            if isinstance(item, EventRecord) and item.uid:
                events[item.uid] = event_row(item)
        for attempt in range(5):
            try:
                revisions = revision_rows(changes)
                if revisions:
                    Revision.objects.bulk_create(revisions, ignore_conflicts=True)
                if events:
                    EventRow.objects.bulk_create(
                        list(events.values()),
                        update_conflicts=True,
                        unique_fields=["uid"],
                        update_fields=[
                            "count",
                            "last_seen",
                            "message",
                            "reason",
                            "type",
                            "resource_version",
                        ],
                    )
                self.written += len(revisions) + len(events)
                return
            except Exception as exc:  # the database may be briefly unavailable: retry
                self.errors += 1
                log.warning("history: write failed (attempt %s): %s", attempt + 1, exc)
                close_old_connections()
                self._stop.wait(min(2**attempt, 10))
        log.error("history: gave up on a batch of %s rows after retries", len(batch))

    def _maintain(self) -> None:
        if self._engine is not None:
            synced = []
            for informer in self._engine.informers():
                key = informer.kind.key
                if not informer.synced or informer.unavailable is not None:
                    continue
                if self._reconciled.get(key) != id(informer):
                    # a first sync, or a kind watched anew (its CRD deleted and re-added):
                    # reconciled with the record once what it listed is written
                    if not self._queue.empty():
                        continue
                    self._periods.close(key)
                    self._reconciled[key] = id(informer)
                    self._tombstone_missing(key, {e.uid for e in informer.store.list()})
                # recorded from here on: the first sync is reconciled with the record
                self._periods.open(key, time.time())
                synced.append(key)
            if self._queue.empty():  # a backlog is not recorded yet: the periods wait
                self._periods.beat(synced, time.time())
        now = time.monotonic()
        if now - self._last_retention > RETENTION_EVERY:
            self._last_retention = now
            self.apply_retention()

    def _tombstone_missing(self, kind: str, live: set[str]) -> None:
        """Objects deleted while no server watched: their last row says alive, the cluster not."""
        latest = (
            Revision.objects.filter(kind=kind)
            .values("uid")
            .annotate(last=Max("id"))
            .values_list("last", flat=True)
        )
        rows = []
        for rev in Revision.objects.filter(id__in=list(latest)).exclude(type="DELETED"):
            if rev.uid not in live:
                rows.append(
                    Revision(
                        kind=rev.kind,
                        uid=rev.uid,
                        namespace=rev.namespace,
                        name=rev.name,
                        resource_version=rev.resource_version,
                        rv_int=rev.rv_int,
                        type="DELETED",
                        observed=time.time(),
                        generation=rev.generation,
                        managers=[],
                        changed_paths=[],
                        managed_summary=rev.managed_summary,
                        state="",
                        tombstone=True,
                        body=rev.body,
                    )
                )
        if rows:
            Revision.objects.bulk_create(rows, ignore_conflicts=True)
            log.info("history: %s objects of %s were deleted while unwatched", len(rows), kind)

    def apply_retention(self, now: float | None = None) -> None:
        retention.apply(time.time() if now is None else now)


def decode(body: str) -> dict[str, Any]:
    value = orjson.loads(body)
    return value if isinstance(value, dict) else {}


#: The server process's writer (attached by ``dashboard.wiring``).
writer = HistoryWriter()
