"""``/watch``: one kind's objects as an NDJSON stream, the way ``kubectl get -w`` reads.

Why this shape: a script should be able to follow objects without polling and without
Kubernetes credentials of its own. The stream starts with the current state (one ADDED
line per visible object, then a BOOKMARK carrying the ``k8s.io/initial-events-end``
annotation, as Kubernetes streaming lists do), then one line per change from the engine's
fan-out hub. A BOOKMARK every few seconds (``CRSCOPE_WATCH_BOOKMARK_SECONDS``, default 5)
tells the client the stream is alive.

Overflow policy: the hub coalesces changes per object, but a client that reads too slowly
can still fall behind by more than ``CRSCOPE_WATCH_MAX_PENDING`` objects. The stream then
ends with one ``ERROR`` line (a Kubernetes ``Status``, code 410, reason ``Expired``): the
client re-watches and gets the current state again. Resending the state mid-stream was
rejected because a client could not tell which of its objects had been deleted meanwhile.

The hub calls ``notify`` on an engine thread; it only schedules an ``asyncio.Event`` on the
server's loop. When the client disconnects, Django cancels the response and the
generator's ``finally`` unsubscribes, so a closed stream costs nothing afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from dashboard.api import render, scope
from dashboard.api.openapi import NDJSON, error_responses
from dashboard.api.params import WatchParams
from dashboard.api.problems import bad_param
from dashboard.api.schemas import WatchEvent
from dashboard.api.scope import KindScope
from dashboard.api.watch_filter import WatchFilter
from informers import Change, Entry, SelectorError, parse_selector

log = logging.getLogger(__name__)
router = Router(tags=["watch"])

BOOKMARK_SECONDS = float(os.environ.get("CRSCOPE_WATCH_BOOKMARK_SECONDS", "5") or 5)
MAX_PENDING = int(os.environ.get("CRSCOPE_WATCH_MAX_PENDING", "5000") or 5000)
INITIAL_CHUNK = 500
_open_streams = 0


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
    response = StreamingHttpResponse(
        _stream(kind_scope, flt, params.timeoutSeconds), content_type=NDJSON
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # let a fronting nginx pass lines through
    return response


def open_streams() -> int:
    return _open_streams


async def _stream(
    kind_scope: KindScope, flt: WatchFilter, timeout: int | None
) -> AsyncIterator[bytes]:
    global _open_streams
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def notify() -> None:  # on an engine thread
        with contextlib.suppress(RuntimeError):  # a closed loop: the stream is gone anyway
            loop.call_soon_threadsafe(wake.set)

    hub = kind_scope.engine.hub
    # Subscribe before reading the store, so nothing between the two is missed.
    sub = hub.subscribe(flt.accepts, notify=notify, max_pending=MAX_PENDING)
    _open_streams += 1
    log.info(
        "watch: stream opened for %s by %s (namespaces=%s, selector=%s, timeout=%s; %s open)",
        kind_scope.kind.key,
        kind_scope.viewer.username,
        "all" if flt.namespaces is None else ",".join(sorted(flt.namespaces))[:200],
        str(flt.selector or "")[:200] or "none",
        timeout,
        _open_streams,
    )
    lines = _Lines(kind_scope, flt)
    try:
        initial = lines.initial()
        for start in range(0, len(initial), INITIAL_CHUNK):
            yield b"".join(initial[start : start + INITIAL_CHUNK])
        yield lines.bookmark(initial_end=True)
        started = time.monotonic()
        deadline = started + timeout if timeout is not None else None
        next_bookmark = started + BOOKMARK_SECONDS
        while deadline is None or time.monotonic() < deadline:
            wait = next_bookmark - time.monotonic()
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
            if wait > 0 and not wake.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=wait)
            wake.clear()  # before draining: a change offered after the drain wakes us again
            changes, overflowed = sub.drain()
            if overflowed:
                yield lines.expired()
                return
            out = lines.changes(changes)
            if out:
                yield out
            if time.monotonic() >= next_bookmark:
                yield lines.bookmark()
                next_bookmark = time.monotonic() + BOOKMARK_SECONDS
    finally:
        hub.unsubscribe(sub)
        _open_streams -= 1
        log.info(
            "watch: stream closed for %s (%s open, %s hub subscriptions)",
            kind_scope.kind.key,
            _open_streams,
            len(hub.subscriptions()),
        )


class _Lines:
    """Turns entries and changes into NDJSON lines, remembering what the client holds.

    ``sent`` maps each object key to the (uid, resourceVersion) last sent, so the initial
    state and the first changes never repeat an object, a change to an unseen object is an
    ADDED, and a DELETED is only sent for an object the client was shown.
    """

    def __init__(self, kind_scope: KindScope, flt: WatchFilter) -> None:
        self.scope = kind_scope
        self.flt = flt
        self.sent: dict[str, tuple[str, str]] = {}

    def initial(self) -> list[bytes]:
        out = []
        for entry in self.flt.current(self.scope.informer.store):
            self.sent[entry.key] = (entry.uid, entry.resource_version)
            out.append(self._line("ADDED", entry))
        return out

    def changes(self, changes: list[Change]) -> bytes:
        return b"".join(line for change in changes for line in self._change(change))

    def _change(self, change: Change) -> list[bytes]:
        new = change.new if change.new is not None and self.flt.shows(change.new) else None
        held = self.sent.get(change.key)
        if new is None:  # deleted, or moved out of the selection
            if held is None:
                return []
            del self.sent[change.key]
            return [self._line("DELETED", change.new or change.entry)]
        if held == (new.uid, new.resource_version):
            return []
        out = []
        if held is not None and held[0] != new.uid and change.old is not None:
            out.append(self._line("DELETED", change.old))  # deleted and created again
            held = None
        self.sent[change.key] = (new.uid, new.resource_version)
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

    def expired(self) -> bytes:
        return _dumps(
            {
                "type": "ERROR",
                "object": {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "Expired",
                    "code": 410,
                    "message": "the stream fell behind the changes; watch again to get "
                    "the current state",
                },
            }
        )


def _dumps(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_APPEND_NEWLINE)
