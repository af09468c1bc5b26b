"""Fakes for driving the engine in-process: a scripted ListerWatcher and a virtual clock.

Why: the reflector's rules are about which request comes next and how long it waits
(relist on 410, resume a closed watch from its last resourceVersion, honour Retry-After,
back off and recover). The real apiserver cannot produce most of those faults on cue,
and real sleeps make tests slow and flaky on a loaded machine. client-go tests its
reflector the same way, on a fake ``ListWatch`` from ``tools/cache/testing``; kopf runs
its watchers on virtual time. The real-apiserver tests stay and keep these fakes honest.

This module ships with the engine (it has no test-framework imports) so that any test,
here or in the dashboard, can build an engine component on it. Typical use::

    clock = FakeClock()
    source = FakeListerWatcher(
        pages=[page([gadget("a", 5)], rv="5")],
        watches=[Watch(added(gadget("b", 6)), gone_event())],
        clock=clock,
    )
    reflector = Reflector(lister_watcher=source, sink=sink, name="t", clock=clock,
                          list_mode="paged")
    run_until_exhausted(reflector, source)   # returns once the script is used up
"""

from __future__ import annotations

import builtins
import copy
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import urllib3.exceptions

from informers.config import ClusterConfig
from informers.listerwatcher import ListOptions, WatchOptions
from informers.listwatch import ApiError, KubeClient
from informers.store import object_key, object_resource_version

if TYPE_CHECKING:
    from informers.reflector import Reflector

GROUP_VERSION = "t.crscope.test/v1"


class FakeClock:
    """Virtual time: ``wait`` returns at once, advancing the clock and recording the wait."""

    def __init__(self, *, monotonic: float = 1_000.0, wall: float = 1_800_000_000.0) -> None:
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._wall_offset = wall - monotonic
        #: every wait asked for, in seconds, in order (a stopped wait is not recorded)
        self.waits: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._monotonic

    def time(self) -> float:
        with self._lock:
            return self._monotonic + self._wall_offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._monotonic += seconds

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if stop.is_set():
            return True
        with self._lock:
            self.waits.append(seconds)
            self._monotonic += seconds
        return stop.is_set()


@dataclass(frozen=True)
class Tick:
    """In a watch script: this much virtual time passes before the next event."""

    seconds: float


WatchEnd = Literal["close", "hang"]
WatchItem = dict[str, Any] | Tick | BaseException


@dataclass
class Watch:
    """One scripted watch: its events, then how it ends.

    Items are event dicts (see ``added``, ``bookmark``, ``gone_event``...), ``Tick``s, or
    exceptions raised mid-stream (``connection_dropped()``). ``end="close"`` is the
    server's normal close (``timeoutSeconds`` reached); ``"hang"`` keeps the watch open
    and quiet until it is closed, and ``FakeListerWatcher.push`` can add events to it.
    """

    items: tuple[WatchItem, ...]
    end: WatchEnd = "close"

    def __init__(self, *items: WatchItem, end: WatchEnd = "close") -> None:
        self.items = items
        self.end = end


_END = object()


class FakeWatchStream:
    """An ``EventStream`` over a queue; ``close()`` from another thread ends it."""

    def __init__(
        self,
        watch: Watch,
        clock: FakeClock | None,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._clock = clock
        self._on_idle = on_idle
        self._closed = threading.Event()
        for item in watch.items:
            self._queue.put(item)
        if watch.end == "close":
            self._queue.put(_END)

    def push(self, item: WatchItem) -> None:
        self._queue.put(item)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while not self._closed.is_set():
            if self._queue.empty() and self._on_idle is not None:
                self._on_idle()  # about to block on a quiet watch
            item = self._queue.get()
            if item is _END or self._closed.is_set():
                break
            if isinstance(item, Tick):
                if self._clock is not None:
                    self._clock.advance(item.seconds)
                continue
            if isinstance(item, BaseException):
                raise item
            yield copy.deepcopy(item)
        self._closed.set()

    def close(self) -> None:
        self._closed.set()
        self._queue.put(_END)


class ScriptExhausted(AssertionError):
    """The code under test asked for more lists than the test scripted."""


@dataclass
class FakeListerWatcher:
    """A ``ListerWatcher`` that answers from a script and records every call.

    Each ``list`` takes the next of ``pages`` (a ``*List`` body, or an exception to raise:
    ``gone()``, ``too_many_requests(7)``, ``server_error()``); each ``watch`` the next of
    ``watches`` (a ``Watch``, or an exception raised when it opens). When a script runs
    out, or a watch goes quiet with nothing else scripted, ``on_exhausted`` is called
    (``run_until_exhausted`` stops the reflector there); past the script a watch stays
    open and quiet, and a list answers an empty page, or raises ``ScriptExhausted`` if
    there is no ``on_exhausted``.

    Script a reflector in ``list_mode="paged"`` unless the test is about streaming lists:
    those read one page (the ``limit=1`` count hint), then a watch with initial events
    ending at ``bookmark(rv, initial_events_end=True)``.
    """

    pages: list[dict[str, Any] | BaseException] = field(default_factory=list)
    watches: list[Watch | BaseException] = field(default_factory=list)
    clock: FakeClock | None = None
    on_exhausted: Callable[[], None] | None = None
    #: every call's options, in order
    calls: list[ListOptions | WatchOptions] = field(default_factory=list)
    #: the streams handed out, in order
    streams: list[FakeWatchStream] = field(default_factory=list)
    #: a runaway caller is stopped after this many calls, as if the script had run out
    max_calls: int = 500
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def list(self, options: ListOptions) -> dict[str, Any]:
        with self._lock:
            self.calls.append(options)
            answer = self._next(self.pages)
        if answer is None:
            if self.on_exhausted is None:
                raise ScriptExhausted(f"no scripted page for {options}")
            self.on_exhausted()
            return page([], rv="")
        if isinstance(answer, BaseException):
            raise answer
        return copy.deepcopy(answer)

    def watch(self, options: WatchOptions) -> FakeWatchStream:
        with self._lock:
            self.calls.append(options)
            answer = self._next(self.watches)
        if answer is None:
            if self.on_exhausted is not None:
                self.on_exhausted()
            answer = Watch(end="hang")
        if isinstance(answer, BaseException):
            raise answer
        stream = FakeWatchStream(answer, self.clock, on_idle=self._idle)
        with self._lock:
            self.streams.append(stream)
        return stream

    def _idle(self) -> None:
        """A watch went quiet: if nothing else is scripted, the script is used up."""
        with self._lock:
            used_up = not self.pages and not self.watches
        if used_up and self.on_exhausted is not None:
            self.on_exhausted()

    def _next(self, script: builtins.list[Any]) -> Any:
        if not script or len(self.calls) > self.max_calls:
            return None
        return script.pop(0)

    def push(self, item: WatchItem) -> None:
        """Add an event to the watch opened last (for live, threaded tests)."""
        with self._lock:
            stream = self.streams[-1]
        stream.push(item)

    @property
    def list_calls(self) -> builtins.list[ListOptions]:
        with self._lock:
            return [c for c in self.calls if isinstance(c, ListOptions)]

    @property
    def watch_calls(self) -> builtins.list[WatchOptions]:
        with self._lock:
            return [c for c in self.calls if isinstance(c, WatchOptions)]


def run_until_exhausted(reflector: Reflector, source: FakeListerWatcher) -> None:
    """Run ``reflector`` in this thread until ``source``'s script is used up."""
    source.on_exhausted = reflector.stop
    reflector.run()


@dataclass
class RecordingSink:
    """A ``ReflectorSink`` that records what the reflector fed it, by name and RV."""

    replaced: list[tuple[list[str], str]] = field(default_factory=list)
    applied: list[tuple[str, str, str]] = field(default_factory=list)
    progressed: list[tuple[int, int | None]] = field(default_factory=list)
    #: the objects of the last replace, as given
    listed: list[dict[str, Any]] = field(default_factory=list)

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        self.replaced.append(([object_key(o) for o in objects], resource_version))
        self.listed = list(objects)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        self.applied.append((event_type, object_key(obj), object_resource_version(obj)))

    def progress(self, loaded: int, total: int | None) -> None:
        self.progressed.append((loaded, total))


# -- objects, pages and events -----------------------------------------------------------
def gadget(
    name: str, rv: int | str, *, namespace: str = "default", **fields: Any
) -> dict[str, Any]:
    """A namespaced object of a test kind, as a GET or a watch event carries it."""
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "Gadget",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{namespace}-{name}",
            "resourceVersion": str(rv),
        },
        **fields,
    }


def page(
    items: Iterable[dict[str, Any]],
    *,
    rv: int | str,
    continue_token: str = "",
    remaining: int | None = None,
) -> dict[str, Any]:
    """One LIST page; like the apiserver's, its items lack apiVersion and kind (the list's
    are the first item's, or the test kind's for an empty page)."""
    items = list(items)
    first = items[0] if items else {"apiVersion": GROUP_VERSION, "kind": "Gadget"}
    stripped = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in items]
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if continue_token:
        meta["continue"] = continue_token
    if remaining is not None:
        meta["remainingItemCount"] = remaining
    return {
        "apiVersion": first["apiVersion"],
        "kind": f"{first['kind']}List",
        "metadata": meta,
        "items": stripped,
    }


def added(obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ADDED", "object": obj}


def modified(obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": "MODIFIED", "object": obj}


def deleted(obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": "DELETED", "object": obj}


def bookmark(rv: int | str, *, initial_events_end: bool = False) -> dict[str, Any]:
    """A BOOKMARK: only a resourceVersion (and, ending a streaming list, the annotation)."""
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_events_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {
        "type": "BOOKMARK",
        "object": {"apiVersion": GROUP_VERSION, "kind": "Gadget", "metadata": meta},
    }


def gone_event(message: str = "too old resource version") -> dict[str, Any]:
    """The ERROR event a watch gets when its resourceVersion was compacted away."""
    status = {"kind": "Status", "status": "Failure", "reason": "Expired", "code": 410}
    return {"type": "ERROR", "object": {**status, "message": message}}


def crd(
    plural: str,
    *,
    group: str = "t.crscope.test",
    versions: tuple[str, ...] = ("v1",),
    established: bool = True,
    deleting: bool = False,
    rv: int = 1,
) -> dict[str, Any]:
    """A CustomResourceDefinition serving ``versions`` (the last one stored)."""
    meta: dict[str, Any] = {
        "name": f"{plural}.{group}",
        "uid": f"uid-{plural}",
        "resourceVersion": str(rv),
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": meta,
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "kind": plural.title()[:-1]},
            "versions": [
                {"name": v, "served": True, "storage": i == len(versions) - 1}
                for i, v in enumerate(versions)
            ],
        },
        "status": {
            "conditions": [{"type": "Established", "status": "True" if established else "False"}]
        },
    }


def kube_event(uid: str, *, kind: str = "Gadget", rv: int = 1, **fields: Any) -> dict[str, Any]:
    """A core/v1 Event about the Gadget ``default/a``."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"a.{uid}",
            "namespace": "default",
            "uid": uid,
            "resourceVersion": str(rv),
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "involvedObject": {
            "apiVersion": "t.crscope.test/v1",
            "kind": kind,
            "name": "a",
            "namespace": "default",
            "uid": "uid-a",
        },
        "type": "Warning",
        "reason": "BackOff",
        **fields,
    }


# -- failures ------------------------------------------------------------------------------
def gone() -> ApiError:
    """410 Gone: the resourceVersion asked for is no longer in the watch window."""
    return ApiError(410, "Gone", "too old resource version")


def too_many_requests(retry_after: float | None) -> ApiError:
    """429 from priority and fairness, with the Retry-After header's seconds."""
    return ApiError(429, "TooManyRequests", "too many requests", retry_after=retry_after)


def server_error() -> ApiError:
    return ApiError(500, "InternalError", "etcdserver: request timed out")


def connection_dropped() -> urllib3.exceptions.ProtocolError:
    """What urllib3 raises when the TCP connection breaks in the middle of a stream."""
    return urllib3.exceptions.ProtocolError("Connection broken: connection reset by peer")


def unused_client() -> KubeClient:
    """A client nothing may call: an engine or informer keeps one for requests that
    in-process tests (which read through a FakeListerWatcher) never make. Its address is
    the discard port, so a call that slips through fails at once."""
    config = ClusterConfig(
        host="http://127.0.0.1:9",
        ca_file=None,
        cert_file=None,
        key_file=None,
        verify=False,
        auth_header=lambda: None,
    )
    return KubeClient(config)
