"""The notification service in a server process: engine listeners and one outbox thread.

Why one thread for everything that touches the database: engine listeners run on reader
threads and must not block, so they only enqueue (after dropping the start-up list,
``Change.initial``). The service thread matches rules, records occurrences in the outbox,
reloads the rules file, scans for stuck objects, and drives the outbox worker, whose
per-destination sender threads do the HTTP. A database hiccup delays notifications but
loses none: unrecorded hits are kept and retried.

``dashboard.wiring`` attaches it (``attach_and_start``) before the engine starts and
stops it after the engine stops.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import replace
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connection

from dashboard.notify import dispatcher
from dashboard.notify.loader import RulesSource
from dashboard.notify.matching import Hit, match_change, match_event
from dashboard.notify.models import FAILED, PENDING, Delivery, Notification
from dashboard.notify.options import NotifyOptions
from dashboard.notify.rules import TriggerType
from dashboard.notify.scanner import StuckScanner
from dashboard.notify.worker import OutboxWorker
from informers import Change, Engine, EventRecord

log = logging.getLogger(__name__)
BATCH = 500
MAX_BACKLOG = 100_000
EVENT_START_SLACK = 5.0  # seconds: Events last seen before start-up belong to the initial list
RETENTION_EVERY = 3600.0
FLUSH_SECONDS = 10.0  # at stop; Kubernetes' grace period is 30 s
_CHANGE_TRIGGERS = (TriggerType.STATE, TriggerType.CREATED, TriggerType.DELETED, TriggerType.PATH)


class NotifyService:
    def __init__(self, options: NotifyOptions | None = None) -> None:
        self._options = options
        self._engine: Engine | None = None
        self._intake: queue.SimpleQueue[Change | EventRecord] = queue.SimpleQueue()
        self._backlog: deque[Hit] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._events_seen: dict[str, int] = {}
        self._last_scan = 0.0
        self._last_retention = 0.0
        self.started_at = 0.0
        self.recorded = 0
        self.duplicates = 0
        self.errors = 0
        self.scans = 0  # stuck scans done: lets a caller wait for "a scan after this change"
        self.last_error: str | None = None
        self.idle = threading.Event()
        self.rules: RulesSource | None = None
        self.worker: OutboxWorker | None = None
        self.scanner = StuckScanner()

    @property
    def options(self) -> NotifyOptions:
        if self._options is None:
            self._options = NotifyOptions.from_settings()
        return self._options

    # -- wiring ----------------------------------------------------------------------------
    def attach(self, engine: Engine) -> None:
        """Register the engine listeners (call before the engine starts)."""
        self._engine = engine
        engine.add_change_listener(self._on_change)
        engine.add_event_listener(self._on_event)

    def attach_and_start(self, engine: Engine) -> None:
        self.attach(engine)
        self.start()

    def source(self) -> RulesSource:
        """The rules, loaded on first use (the API works even when the engine is off)."""
        if self.rules is None:
            options = self.options
            rules = RulesSource(options.rules_path, reload_seconds=options.reload_seconds)
            rules.load()
            self.rules = rules
        elif self._thread is None:
            self.rules.maybe_reload()  # no service thread (engine off): reload on demand
        return self.rules

    def start(self) -> None:
        if self._thread is not None:
            return
        options = self.options
        source = self.source()
        self.worker = OutboxWorker(options=options, rules=lambda: source.current)
        self.started_at = time.time()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="notify")
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    # -- listeners (engine reader threads: enqueue only) -----------------------------------
    def _on_change(self, change: Change) -> None:
        if change.initial or self.rules is None:
            return
        if not self.rules.current.trigger_types.isdisjoint(_CHANGE_TRIGGERS):
            self._intake.put(change)

    def _on_event(self, record: EventRecord) -> None:
        if self.rules is None or record.last_seen < self.started_at - EVENT_START_SLACK:
            return
        if self._events_seen.get(record.uid) == record.count:
            return  # the same Event again (a relist), not a new occurrence
        if len(self._events_seen) > 50_000:
            self._events_seen.clear()
        self._events_seen[record.uid] = record.count
        if TriggerType.EVENT in self.rules.current.trigger_types:
            self._intake.put(record)

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        assert self.worker is not None
        try:
            while not self._stop.is_set():
                items = self._take()
                self.idle.clear()
                self._guard(partial(self._handle, items))
                self._guard(self._periodic)
                self._guard(self.worker.tick)
                if not items and not self._backlog and self._intake.empty():
                    self.idle.set()
            self._flush()
        finally:
            self.worker.stop()
            close_old_connections()
            connection.close()

    def _flush(self, timeout: float = FLUSH_SECONDS) -> None:
        """At stop (the engine has stopped first): record everything the listeners queued,
        so each occurrence seen reaches the outbox and is delivered after the restart."""
        deadline = time.monotonic() + timeout
        while (self._backlog or not self._intake.empty()) and time.monotonic() < deadline:
            items: list[Change | EventRecord] = []
            with contextlib.suppress(queue.Empty):
                while len(items) < BATCH:
                    items.append(self._intake.get_nowait())
            errors = self.errors
            self._guard(partial(self._handle, items))
            if self.errors > errors:
                time.sleep(0.5)  # the database is unavailable: retry, without spinning
        left = len(self._backlog) + self._intake.qsize()
        if left:
            log.error("notify: stopped with %s occurrences not recorded", left)

    def _guard(self, step: Any) -> None:
        try:
            step()
        except Exception as exc:  # the database may be briefly unavailable: keep going
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.exception("notify: %s", self.last_error)
            close_old_connections()
            self._stop.wait(0.5)

    def _handle(self, items: list[Change | EventRecord]) -> None:
        self._record(self._match(items))

    def _take(self) -> list[Change | EventRecord]:
        items: list[Change | EventRecord] = []
        try:
            items.append(self._intake.get(timeout=self.options.poll_seconds))
            while len(items) < BATCH:
                items.append(self._intake.get_nowait())
        except queue.Empty:
            pass
        return items

    def _match(self, items: list[Change | EventRecord]) -> list[Hit]:
        assert self.rules is not None
        rules = self.rules.current.rules
        hits: list[Hit] = []
        for item in items:
            if isinstance(item, Change):
                hits.extend(match_change(rules, item))
            else:
                hits.extend(
                    self._with_type(h) for h in match_event(rules, item, self._entry_for(item))
                )
        return hits

    def _with_type(self, hit: Hit) -> Hit:
        """Events about objects not in the cache still name their apiVersion and kind."""
        informer = self._engine.informer(hit.kind) if self._engine is not None else None
        if hit.api_version or informer is None:
            return hit
        kind = informer.kind
        return replace(hit, api_version=kind.api_version, kind_name=kind.kind)

    def _entry_for(self, record: EventRecord) -> Any:
        informer = self._engine.informer(record.kind) if self._engine is not None else None
        if informer is None:
            return None
        key = f"{record.namespace}/{record.name}" if record.namespace else record.name
        return informer.store.get(key)

    def _record(self, hits: list[Hit]) -> None:
        self._backlog.extend(hits)
        while len(self._backlog) > MAX_BACKLOG:
            dropped = self._backlog.popleft()
            log.error(
                "notify: backlog full, dropped %s for rule %s", dropped.oid, dropped.rule.name
            )
        while self._backlog:
            hit = self._backlog[0]
            try:
                stored = dispatcher.record(hit)
            except (OperationalError, InterfaceError):
                raise  # the database is unavailable: keep the hit and retry later
            except Exception as exc:  # this hit cannot be stored: it must not block the rest
                self.errors += 1
                self.last_error = f"rule {hit.rule.name}: {type(exc).__name__}: {exc}"[:500]
                log.exception("notify: dropped an occurrence of rule %s", hit.rule.name)
                close_old_connections()
            else:
                if stored is None:
                    self.duplicates += 1
                else:
                    self.recorded += 1
            self._backlog.popleft()

    def _periodic(self) -> None:
        assert self.rules is not None
        self.rules.maybe_reload()
        now = time.time()
        if self._engine is not None and now - self._last_scan >= self.options.scan_seconds:
            self._last_scan = now
            self._record(self.scanner.scan(self._engine, self.rules.current.rules, now))
            self.scans += 1
        if now - self._last_retention >= RETENTION_EVERY:
            self._last_retention = now
            self.apply_retention(now)

    def apply_retention(self, now: float) -> int:
        """Drop notifications older than the retention whose deliveries are all finished."""
        cutoff = now - self.options.retention_days * 86400
        old = Notification.objects.filter(last_at__lt=cutoff).exclude(deliveries__status=PENDING)
        deleted, _ = old.delete()
        return deleted

    # -- status ----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        rules = self.source().status()
        rules["running"] = self._thread is not None and self._thread.is_alive()
        rules["worker"] = {
            "recorded": self.recorded,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "lastError": self.last_error,
            "pending": Delivery.objects.filter(status=PENDING).count(),
            "failed": Delivery.objects.filter(status=FAILED).count(),
        }
        return rules


service = NotifyService()
