"""The reflector: list, then watch from the list's resourceVersion, forever, correctly.

Why: this is client-go's ``tools/cache/reflector.go`` in Python. The rules it keeps:
- the initial state comes from a streaming list (a watch with ``sendInitialEvents``) when the
  server supports it, else from a paged LIST; either way the sink gets one ``replace``;
- a watch that ends normally is resumed from the last synced resourceVersion, no relist;
- 410 Gone (as a status or an ERROR event) means that RV is compacted: relist;
- 429 waits for Retry-After; other failures back off with jitter;
- a read timeout on the stream detects a silently dead connection.

It reads through a ``ListerWatcher`` (``informers.listerwatcher``) and tells time with a
``Clock`` (``informers.clock``), so ``informers.testing`` can drive it in-process.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import urllib3.exceptions

from informers.backoff import Backoff
from informers.clock import SYSTEM_CLOCK, Clock
from informers.gcpause import gc_paused
from informers.kindfailure import classify
from informers.listerwatcher import (
    EventStream,
    ListerWatcher,
    ListOptions,
    ResourceListerWatcher,
    WatchOptions,
)
from informers.listwatch import ApiError, KubeClient
from informers.store import object_resource_version

log = logging.getLogger(__name__)

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
ListMode = Literal["auto", "stream", "paged"]
_UNSUPPORTED = {400, 403, 404, 405, 422}
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class ReflectorSink(Protocol):
    """What the reflector feeds: the informer (or a test double recording calls)."""

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None: ...
    def apply(self, event_type: str, obj: dict[str, Any]) -> None: ...
    def progress(self, loaded: int, total: int | None) -> None: ...


@dataclass
class ReflectorMetrics:
    lists: int = 0
    relists_gone: int = 0
    watch_starts: int = 0
    watch_restarts: int = 0
    events: int = 0
    bookmarks: int = 0
    malformed: int = 0
    errors: int = 0
    last_error: str = ""
    last_event_at: float = 0.0
    last_synced_at: float = 0.0
    streaming_list: bool | None = None
    #: The failure since the last success: HTTP status (0 for a network or internal
    #: error) and message, and when the run of failures began (0.0: none since).
    failing_status: int = 0
    failing_message: str = ""
    failing_since: float = 0.0


class Reflector:
    """Keeps a sink in step with one collection.

    ``lister_watcher`` is what it reads; ``client`` and ``path`` are a shorthand for a
    plain JSON ``ResourceListerWatcher`` over them.
    """

    def __init__(
        self,
        *,
        sink: ReflectorSink,
        name: str,
        lister_watcher: ListerWatcher | None = None,
        client: KubeClient | None = None,
        path: str = "",
        clock: Clock = SYSTEM_CLOCK,
        list_mode: ListMode = "auto",
        page_size: int = 500,
        backoff: Backoff | None = None,
        on_listed: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        if lister_watcher is None:
            if client is None:
                raise TypeError("Reflector needs a lister_watcher, or a client and a path")
            lister_watcher = ResourceListerWatcher(client, path)
        self.lister_watcher = lister_watcher
        self.clock = clock
        self.sink = sink
        self.name = name
        self.list_mode: ListMode = list_mode
        self.page_size = page_size
        self.backoff = backoff or Backoff(clock=clock)
        # Called for each object of a (re)list as soon as it is parsed, before the whole
        # list is collected; the list keeps what it returns (the informer strips
        # managedFields there, or hands back the cached copy of an unchanged object).
        self.on_listed = on_listed
        self.metrics = ReflectorMetrics()
        self.last_synced_rv = ""
        self.synced = threading.Event()
        self._stop = threading.Event()
        self._stream: EventStream | None = None
        self._needs_list = True

    # -- control ---------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            stream.close()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """Loop until :meth:`stop`; every failure is handled here, nothing escapes."""
        while not self._stop.is_set():
            try:
                if self._needs_list:
                    self._list()
                else:
                    self._watch(self.last_synced_rv)
                if not self._stop.is_set():
                    self.metrics.watch_restarts += 1
            except ApiError as err:
                if not self._stop.is_set():
                    self._on_api_error(err)
            except _NETWORK_ERRORS as err:
                if self._stop.is_set():
                    break
                self._record_error(f"connection: {err}")
                self._sleep(self.backoff.next_delay())
            except Exception as err:  # a bug must not kill the thread silently
                log.exception("reflector %s: unexpected error", self.name)
                self._record_error(f"internal: {err!r}")
                self._sleep(self.backoff.next_delay())
        self._stream = None

    def _on_api_error(self, err: ApiError) -> None:
        self._record_error(str(err), status=err.status)
        if err.gone:
            log.info(
                "reflector %s: resourceVersion %s is gone, relisting",
                self.name,
                self.last_synced_rv,
            )
            self.metrics.relists_gone += 1
            self._needs_list = True
            self.last_synced_rv = ""
            return
        if err.status == 429 and classify(err.status, err.message) is None:
            self._sleep(err.retry_after if err.retry_after is not None else 1.0)
            return
        # Other failures, and a 429 that only hides a broken conversion webhook (which
        # waiting one second will not fix), back off.
        self._sleep(self.backoff.next_delay())

    def _record_error(self, message: str, *, status: int = 0) -> None:
        m = self.metrics
        m.errors += 1
        m.last_error = message
        m.failing_status, m.failing_message = status, message
        if not m.failing_since:
            m.failing_since = self.clock.time()
        log.warning("reflector %s: %s", self.name, message)

    def _healthy(self) -> None:
        """A list or watch event arrived: the run of failures, if any, is over."""
        if self.metrics.failing_since:
            self.metrics.failing_since = 0.0
            self.metrics.failing_status, self.metrics.failing_message = 0, ""

    def _sleep(self, seconds: float) -> None:
        self.clock.wait(self._stop, seconds)

    # -- list ------------------------------------------------------------------------------
    def _list(self) -> None:
        self.metrics.lists += 1
        if self.list_mode != "paged" and self.metrics.streaming_list is not False:
            try:
                self._streaming_list()
                return
            except ApiError as err:
                if err.status not in _UNSUPPORTED or self.list_mode == "stream":
                    raise
                log.info(
                    "reflector %s: streaming list unsupported (%s), using paged LIST",
                    self.name,
                    err,
                )
                self.metrics.streaming_list = False
        if self.metrics.streaming_list is None:
            self.metrics.streaming_list = False
        self._paged_list()

    def _timeout_seconds(self) -> int:
        return random.randint(300, 600)

    def _streaming_list(self) -> None:
        total = self._count_hint()
        self.sink.progress(0, total)
        options = WatchOptions(
            resource_version=self.last_synced_rv,
            timeout_seconds=self._timeout_seconds(),
            send_initial_events=True,
        )
        stream = self._open(options)
        with gc_paused():
            initial, rv = self._collect_initial(stream, total)
        if initial is None:
            if not self._stop.is_set():
                raise ApiError(500, "IncompleteList", "stream ended before initial-events-end")
            return
        self.metrics.streaming_list = True
        self._synced(initial, rv)
        del initial
        self._consume(stream, first=False)

    def _collect_initial(
        self, stream: EventStream, total: int | None
    ) -> tuple[list[dict[str, Any]] | None, str]:
        """Read ADDED events up to the initial-events-end bookmark; None if the stream ended."""
        initial: list[dict[str, Any]] = []
        for event in stream:
            kind = event.get("type")
            obj = event.get("object") or {}
            if kind == "ERROR":
                raise ApiError.from_status(obj)
            if kind == "BOOKMARK":
                if _annotations(obj).get(INITIAL_EVENTS_END) == "true":
                    return initial, object_resource_version(obj)
                continue
            if kind == "MALFORMED":
                self._malformed(event)
                continue
            initial.append(obj if self.on_listed is None else self.on_listed(obj))
            if len(initial) % 1000 == 0:
                self.sink.progress(len(initial), total)
        return None, ""

    def _count_hint(self) -> int | None:
        """One cheap LIST (limit=1) tells how many objects to expect, for progress display."""
        try:
            body = self.lister_watcher.list(ListOptions(limit=1, request_timeout=30))
        except (ApiError, *_NETWORK_ERRORS):
            return None
        meta = body.get("metadata") or {}
        remaining = meta.get("remainingItemCount")
        items = len(body.get("items") or [])
        return items + int(remaining) if isinstance(remaining, int) else items

    def _paged_list(self) -> None:
        with gc_paused():
            items, rv = self._pages()
        if self._stop.is_set():
            return
        self._synced(items, rv)
        del items
        self._watch(rv)

    def _pages(self) -> tuple[list[dict[str, Any]], str]:
        items: list[dict[str, Any]] = []
        token = ""
        total: int | None = None
        rv = ""
        while not self._stop.is_set():
            body = self.lister_watcher.list(ListOptions(limit=self.page_size, continue_token=token))
            page = [o for o in body.get("items") or [] if isinstance(o, dict)]
            _fill_kind(page, body)
            if self.on_listed is not None:
                page = [self.on_listed(obj) for obj in page]
            items.extend(page)
            meta = body.get("metadata") or {}
            remaining = meta.get("remainingItemCount")
            if isinstance(remaining, int):
                total = len(items) + remaining
            self.sink.progress(len(items), total if total is not None else None)
            rv = str(meta.get("resourceVersion", ""))
            token = str(meta.get("continue") or "")
            if not token:
                break
        return items, rv

    def _synced(self, items: list[dict[str, Any]], rv: str) -> None:
        self.sink.replace(items, rv)
        self.last_synced_rv = rv
        self._needs_list = False
        self.metrics.last_synced_at = self.clock.time()
        self._healthy()
        self.synced.set()

    # -- watch -----------------------------------------------------------------------------
    def _open(self, options: WatchOptions) -> EventStream:
        self.metrics.watch_starts += 1
        stream = self.lister_watcher.watch(options)
        self._stream = stream
        if self._stop.is_set():
            stream.close()
        return stream

    def _watch(self, rv: str) -> None:
        options = WatchOptions(resource_version=rv, timeout_seconds=self._timeout_seconds())
        self._consume(self._open(options), first=True)

    def _consume(self, stream: EventStream, *, first: bool) -> None:
        for event in stream:
            kind = event.get("type")
            obj = event.get("object") or {}
            if kind == "ERROR":
                raise ApiError.from_status(obj)
            if kind == "MALFORMED":
                self._malformed(event)
                continue
            rv = object_resource_version(obj)
            if kind == "BOOKMARK":
                self.metrics.bookmarks += 1
            elif kind in ("ADDED", "MODIFIED", "DELETED"):
                self.metrics.events += 1
                self.metrics.last_event_at = self.clock.time()
                self.sink.apply(str(kind), obj)
            if rv:
                self.last_synced_rv = rv
            self.backoff.healthy()
            self._healthy()

    def _malformed(self, event: Mapping[str, Any]) -> None:
        self.metrics.malformed += 1
        log.warning(
            "reflector %s: skipped a malformed watch event (%s, %s bytes)",
            self.name,
            event.get("error"),
            event.get("size"),
        )


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def _fill_kind(items: list[dict[str, Any]], body: Mapping[str, Any]) -> None:
    """LIST items lack apiVersion/kind; restore them so stored objects look like GETs."""
    api_version = body.get("apiVersion")
    kind = str(body.get("kind", ""))
    item_kind = kind[:-4] if kind.endswith("List") else kind
    for item in items:
        item.setdefault("apiVersion", api_version)
        item.setdefault("kind", item_kind)
