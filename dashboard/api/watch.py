"""``/watch``: one kind's objects as an NDJSON stream, the way ``kubectl get -w`` reads.

Why this shape: a script should be able to follow objects without polling and without
Kubernetes credentials of its own. The stream starts with the current state (one ADDED
line per visible object, then a BOOKMARK carrying the ``k8s.io/initial-events-end``
annotation, as Kubernetes streaming lists do), then one line per change from the engine's
fan-out hub. A BOOKMARK every few seconds (``CRSCOPE_WATCH_BOOKMARK_SECONDS``, default 5)
tells the client the stream is alive.

Access is re-read while the stream runs, not only at open: every half authorization
cache time (``CRSCOPE_AUTHZ_TTL``; at least once a second) the stream asks
``scope.watch_recheck``. A token that no longer authenticates, or a sign-out of the
session that opened the stream, ends it with an ``ERROR`` line (a Kubernetes ``Status``)
of code 401, a kind no longer listable (or a requested
namespace no longer visible) with 403. A re-check that cannot verify the caller right now
(TokenReview unavailable, session store failing) keeps the previous scope and tries again
at the next one. When the visible namespaces merely change, objects
in newly visible namespaces arrive as ADDED; if the client holds objects in a namespace it
may no longer see, the stream ends with 410 so that it re-lists. A stream lives at most
``CRSCOPE_WATCH_MAX_SECONDS`` (default 1800, as the apiserver's own watches), whatever
``timeoutSeconds`` asks, and then ends like a timeout; clients re-watch.

Overflow policy, and what a slow client may cost: the hub coalesces changes per object,
but a client that reads too slowly can still fall behind by more than
``CRSCOPE_WATCH_MAX_PENDING`` objects; and under daphne ``send`` never waits, so a client
that stops reading makes the server buffer whatever it is sent. Before sending more, the
stream asks the connection how many bytes are still unsent (``core.web.sendbuffer``); past
``CRSCOPE_WATCH_MAX_BUFFER_BYTES`` (default 8 MiB), or past the pending bound, the stream
ends with one ``ERROR`` line (code 410, reason ``Expired``): the client re-watches and gets
the current state again. A connection still owing bytes ``ABORT_GRACE_SECONDS`` after that
is dropped, so a client that never reads holds at most about the bound, and not for long.
Resending the state mid-stream was rejected because a client could not tell which of its
objects had been deleted meanwhile. Lines go out in pieces of about ``CHUNK_BYTES``, so the
bound is checked between pieces even for a huge initial state.

A MODIFIED line may carry the resourceVersion the client already holds: the object did
not change, its reading did (a reloaded health rules file, or the kind's learned "waiting
for a controller" tally, ``informers.awaiting``). The stream sends a line whenever the
object *or its state* differs from what it last sent for that key, and never invents a
resourceVersion: the object's is the apiserver's. A client that keys on resourceVersion
alone must also compare ``state``. There is no resuming from a resourceVersion: a new
watch starts with the current state, the states in force included.

Each user may hold ``CRSCOPE_WATCH_MAX_PER_USER`` streams at once (default 10, per
replica); the next one is a 429 problem with Retry-After.

The hub calls ``notify`` on an engine thread; it only schedules an ``asyncio.Event`` on the
server's loop. When the client disconnects, Django cancels the response and the
generator's ``finally`` unsubscribes, so a closed stream costs nothing afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from dashboard.api import render, scope
from dashboard.api.openapi import NDJSON
from dashboard.api.params import WatchParams
from dashboard.api.schemas import WatchEvent
from dashboard.api.scope import KindScope
from dashboard.api.watch_filter import WatchFilter
from dashboard.core.auth import identity, rbac
from dashboard.core.runtime.loophop import call_on_loop
from dashboard.core.web import sendbuffer
from dashboard.core.web.apierror import ApiProblem, bad_param, error_responses
from dashboard.core.web.slots import Slot, UserSlots
from informers import Change, Entry, SelectorError, Status, parse_selector

log = logging.getLogger(__name__)
router = Router(tags=["watch"])


BOOKMARK_SECONDS: float = settings.CRSCOPE_WATCH_BOOKMARK_SECONDS
MAX_PENDING: int = settings.CRSCOPE_WATCH_MAX_PENDING
MAX_SECONDS: float = settings.CRSCOPE_WATCH_MAX_SECONDS
MAX_PER_USER: int = settings.CRSCOPE_WATCH_MAX_PER_USER
MAX_BUFFER_BYTES: int = settings.CRSCOPE_WATCH_MAX_BUFFER_BYTES
ABORT_GRACE_SECONDS = 10.0
CHUNK_BYTES = 256 << 10
RETRY_AFTER_SECONDS = 5
_REASONS = {401: "Unauthorized", 403: "Forbidden", 410: "Expired"}
_open_streams = 0
_slots = UserSlots(MAX_PER_USER)


@router.get(
    "/watch",
    response={200: WatchEvent, **error_responses(400, 403)},
    operation_id="watch",
    summary="Stream one kind's objects and their changes (NDJSON)",
)
async def watch(request: HttpRequest, params: Query[WatchParams]) -> StreamingHttpResponse:
    kind_scope = await sync_to_async(scope.watch_scope)(request, params.resource)
    try:
        selector = parse_selector(params.labelSelector) if params.labelSelector else None
    except SelectorError as exc:
        raise bad_param("labelSelector", str(exc)) from exc
    flt = WatchFilter.build(kind_scope, namespace=params.namespace or None, selector=selector)
    slot = _slots.claim(kind_scope.viewer.username)
    if slot is None:
        raise ApiProblem(
            429,
            f"you already have {_slots.limit} watch streams open (the most one user may "
            "hold); close one and retry",
            slug="too-many-streams",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    limits = _Limits(
        timeout=params.timeoutSeconds,
        requested=params.namespace or None,
        session_key=await sync_to_async(scope.stream_session)(request),
        slot=slot,
        probe=sendbuffer.probe_of(getattr(request, "scope", None)),
    )
    response = StreamingHttpResponse(_stream(kind_scope, flt, limits=limits), content_type=NDJSON)
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # let a fronting nginx pass lines through
    return response


@dataclass
class _Limits:
    """What bounds one stream besides its filter: time, the user's slot, unsent bytes."""

    timeout: int | None = None
    requested: str | None = None  # the namespace asked for, to rebuild the filter
    session_key: str | None = None  # identified by the sign-in session: notice sign-out
    slot: Slot | None = None
    probe: sendbuffer.Probe | None = None

    def deadline(self, started: float) -> float:
        wanted = MAX_SECONDS if self.timeout is None else min(self.timeout, MAX_SECONDS)
        return started + wanted

    def owes_too_much(self) -> bool:
        return self.probe is not None and self.probe.unsent() > MAX_BUFFER_BYTES

    def abort_if_still_owing(self) -> None:
        """Drop a connection whose client read nothing since the stream ended (loop thread)."""
        if self.probe is not None and self.probe.unsent() > 0:
            log.warning("watch: dropping a connection whose client stopped reading")
            self.probe.abort()


def _recheck_seconds() -> float:
    return max(1.0, rbac.reviewer.ttl / 2)


async def _stream(
    kind_scope: KindScope,
    flt: WatchFilter,
    timeout: int | None = None,
    *,
    limits: _Limits | None = None,
) -> AsyncIterator[bytes]:
    global _open_streams
    limits = limits or _Limits(timeout=timeout)
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def notify() -> None:  # on an engine thread
        call_on_loop(loop, wake.set)

    lines = _Lines(kind_scope, flt)
    hub = kind_scope.engine.hub
    # Subscribe before reading the store, so nothing between the two is missed. The
    # predicate reads ``lines.flt`` each time: a re-check may widen or narrow it.
    sub = hub.subscribe(lambda c: lines.flt.accepts(c), notify=notify, max_pending=MAX_PENDING)
    _open_streams += 1
    log.info(
        "watch: stream opened for %s by %s (namespaces=%s, selector=%s, timeout=%s; %s open)",
        kind_scope.kind.key,
        kind_scope.viewer.username,
        "all" if flt.namespaces is None else ",".join(sorted(flt.namespaces))[:200],
        str(flt.selector or "")[:200] or "none",
        limits.timeout,
        _open_streams,
    )
    ending = "the client left"
    try:
        for piece in _pieces(lines.initial()):
            if limits.owes_too_much():
                ending = "the client is not reading"
                yield lines.status(410, "the client did not read the stream; watch again")
                return
            yield piece
        yield lines.bookmark(initial_end=True)
        started = time.monotonic()
        deadline = limits.deadline(started)
        next_bookmark = started + BOOKMARK_SECONDS
        next_check = started + _recheck_seconds()
        while (now := time.monotonic()) < deadline:
            wait = min(next_bookmark, next_check, deadline) - now
            if wait > 0 and not wake.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=wait)
            if time.monotonic() >= next_check:
                out, final = await _recheck(lines, limits)
                next_check = time.monotonic() + _recheck_seconds()
                if final is not None:
                    ending = f"access ended ({final})"
                    yield out
                    return
                if out:
                    yield out
            wake.clear()  # before draining: a change offered after the drain wakes us again
            changes, overflowed = sub.drain()
            if overflowed:
                ending = "the client fell behind"
                yield lines.status(
                    410, "the stream fell behind the changes; watch again to get the current state"
                )
                return
            for piece in _pieces(lines.changes(changes)):
                if limits.owes_too_much():
                    ending = "the client is not reading"
                    yield lines.status(410, "the client did not read the stream; watch again")
                    return
                yield piece
            if time.monotonic() >= next_bookmark:
                yield lines.bookmark()
                next_bookmark = time.monotonic() + BOOKMARK_SECONDS
        ending = "its time was up"
    finally:
        hub.unsubscribe(sub)
        _open_streams -= 1
        if limits.slot is not None:
            limits.slot.release()
        if ending == "the client is not reading":
            loop.call_later(ABORT_GRACE_SECONDS, limits.abort_if_still_owing)
        log.info(
            "watch: stream closed for %s: %s (%s open, %s hub subscriptions)",
            kind_scope.kind.key,
            ending,
            _open_streams,
            len(hub.subscriptions()),
        )


async def _recheck(lines: _Lines, limits: _Limits) -> tuple[bytes, int | None]:
    """Re-read access; returns lines to send and, when the stream must end, its code."""
    requested = limits.requested
    recheck = database_sync_to_async(scope.watch_recheck, thread_sensitive=False)
    try:
        fresh = await recheck(lines.scope, session_key=limits.session_key)
    except ApiProblem as exc:
        return lines.status(exc.status, exc.detail), exc.status
    except (identity.VerificationUnavailable, DatabaseError) as exc:
        # Could not verify right now: no answer about access. Keep the scope, retry next time.
        log.warning("watch: re-check of %s deferred: %s", lines.scope.kind.key, exc)
        return b"", None
    new = WatchFilter.build(fresh, namespace=requested, selector=lines.flt.selector)
    if new.namespaces is not None and not new.namespaces:
        where = f" in namespace {requested}" if requested else ""
        message = f"you may no longer list {fresh.kind.key}{where}"
        return lines.status(403, message), 403
    if new.namespaces == lines.flt.namespaces:
        lines.scope = fresh
        return b"", None
    if lines.holds_outside(new):
        message = "your access to namespaces changed; watch again to get what you may see"
        return lines.status(410, message), 410
    lines.scope, lines.flt = fresh, new  # the hub predicate reads lines.flt from now on
    return lines.entered(), None


def _pieces(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Lines joined into pieces of about ``CHUNK_BYTES`` (one piece per yield)."""
    batch: list[bytes] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


class _Lines:
    """Turns entries and changes into NDJSON lines, remembering what the client holds.

    ``sent`` maps each object key to the (uid, resourceVersion, state) last sent, so the
    initial state and the first changes never repeat an object, a change to an unseen object
    is an ADDED, and a DELETED is only sent for an object the client was shown. The state is
    part of it because a health rules reload (or the kind's "waiting for a controller"
    tally) changes a state under the same resourceVersion, and the client must hear of it.
    """

    def __init__(self, kind_scope: KindScope, flt: WatchFilter) -> None:
        self.scope = kind_scope
        self.flt = flt
        self.sent: dict[str, tuple[str, str, Status]] = {}

    def initial(self) -> Iterator[bytes]:
        """ADDED lines for the current state, rendered as they are sent (a snapshot of
        entries is taken first, so the hub's later changes are compared against it)."""
        for entry in list(self.flt.current(self.scope.informer.store)):
            self.sent[entry.key] = _held(entry)
            yield self._line("ADDED", entry)

    def changes(self, changes: list[Change]) -> Iterator[bytes]:
        for change in changes:
            yield from self._change(change)

    def holds_outside(self, flt: WatchFilter) -> bool:
        """Whether the client holds an object in a namespace ``flt`` no longer shows."""
        if flt.namespaces is None:
            return False
        return any(_namespace_of(key) not in flt.namespaces for key in self.sent)

    def entered(self) -> bytes:
        """ADDED lines for visible objects the client does not hold (namespaces just granted)."""
        out = []
        for entry in self.flt.current(self.scope.informer.store):
            if entry.key not in self.sent:
                self.sent[entry.key] = _held(entry)
                out.append(self._line("ADDED", entry))
        return b"".join(out)

    def _change(self, change: Change) -> list[bytes]:
        new = change.new if change.new is not None and self.flt.shows(change.new) else None
        held = self.sent.get(change.key)
        if new is None:  # deleted, or moved out of the selection
            if held is None:
                return []
            del self.sent[change.key]
            return [self._line("DELETED", change.new or change.entry)]
        if held == _held(new):
            return []
        out = []
        if held is not None and held[0] != new.uid and change.old is not None:
            out.append(self._line("DELETED", change.old))  # deleted and created again
            held = None
        self.sent[change.key] = _held(new)
        out.append(self._line("MODIFIED" if held is not None else "ADDED", new))
        return out

    def _line(self, change_type: str, entry: Entry) -> bytes:
        stuck = entry.stuck(time.time(), self.scope.stuck_after)
        return _dumps(
            {
                "type": change_type,
                "object": render.body(entry.obj),
                "state": render.state_info(entry, stuck),
            }
        )

    def bookmark(self, *, initial_end: bool = False) -> bytes:
        kind = self.scope.kind
        meta: dict[str, Any] = {"resourceVersion": self.scope.informer.reflector.last_synced_rv}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _dumps(
            {
                "type": "BOOKMARK",
                "object": {"kind": kind.kind, "apiVersion": kind.api_version, "metadata": meta},
            }
        )

    def status(self, code: int, message: str) -> bytes:
        """The stream's last line: an ERROR carrying a Kubernetes ``Status``."""
        return _dumps(
            {
                "type": "ERROR",
                "object": {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": _REASONS.get(code, "Unknown"),
                    "code": code,
                    "message": message,
                },
            }
        )


def _held(entry: Entry) -> tuple[str, str, Status]:
    """What the client holds once ``entry`` is sent: the object's identity, its version,
    and its reading (which changes alone when the health rules do)."""
    return entry.uid, entry.resource_version, entry.status


def _namespace_of(key: str) -> str | None:
    namespace, slash, _ = key.partition("/")
    return namespace if slash else None


def _dumps(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE)
