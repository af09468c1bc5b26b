"""The one WebSocket of a page: subscribe to what it shows, push batched OOB swaps.

How a change reaches a browser:

1. The informer publishes a Change to the engine hub; this connection's Subscription keeps
   it if a feed's predicate matches (kind, namespace, filter, visibility), coalesced per
   object, bounded by ``MAX_PENDING``. Its ``notify`` runs on the engine thread and only
   hops to the event loop (``call_soon_threadsafe``).
2. The first notification opens a batch window (``BATCH_SECONDS``); everything that
   arrives meanwhile is drained together, so a burst becomes one message.
3. The feeds recompute their view in a worker thread and render only what differs from
   what this browser has (row fragments come from a shared cache: one render per change).
4. The message (htmx OOB swaps plus a ``#live-meta`` element) is sent; the browser acks
   it. With ``ACK_WINDOW`` messages unacknowledged, or while the user has paused, changes
   are only counted: the next send recomputes from the store, so nothing queues up.
5. On overflow of the Subscription, on (re)connect, or when the engine was replaced, the
   feeds send a full refresh instead.

Who may keep a socket: identity is checked at connect and again on every access refresh
(the authorization TTL); a token that no longer reviews, or a session that was signed out,
closes the socket with 4401. Sign-out also closes it at once, through the session's
channel-layer group. Each user may hold ``CRSCOPE_WS_MAX_PER_USER`` sockets per process;
one more is closed with 4429, which the page's indicator explains (daphne does not pass
close reasons on, so the code is the message).

The bell: a new in-app notification pushes this viewer's bell (their own unread count).
This process's notifications arrive through ``BellPush`` (a hop from the outbox worker's
thread); another replica's through the channel-layer group ``BELL_GROUP``, which every
socket joins (see ``dashboard.notify.bell``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from dashboard.core.auth.identity import (
    AuthenticationError,
    NotAuthenticated,
    TooManyFailures,
    VerificationUnavailable,
    session_group,
    viewer_for_scope,
)
from dashboard.core.auth.rbac import reviewer
from dashboard.core.runtime.adapter import adapter
from dashboard.core.runtime.loophop import call_on_loop
from dashboard.core.web.metrics import WS_MESSAGES, WS_RESYNCS
from dashboard.core.web.slots import Slot, UserSlots
from dashboard.notify.bell import BELL_GROUP, BellPush, bell_for, rang_here
from dashboard.ui.live import framing
from dashboard.ui.live.feed import Feed, SpecError
from dashboard.ui.live.spec import build_feeds
from dashboard.ui.pages.detail.detail_feed import DetailFeed
from informers import Change, Engine, EventRecord, Listener, Subscription

log = logging.getLogger(__name__)

#: The batch window. It was 150 ms, most of a change's p99 with 49 viewers at 200
#: changes/s; 75 ms measured better and 50 ms worse (each flush then queued behind the
#: other viewers' flushes): benchmarks/profile_notes.py.
BATCH_SECONDS = 0.075
ACK_WINDOW = 3
MAX_PENDING = 2000
TICK_SECONDS = 1.0
ACCESS_REFRESH_SECONDS = 15.0
SIGNED_OUT = 4401
TOO_MANY = 4429
#: 1013 "try again later": identity could not be re-checked (apiserver down, throttled).
UNVERIFIED = 1013
#: The Redis layer forgets a group member after a day (channels_redis' ``group_expiry``):
#: a page left open longer rejoins its groups well before that, or it would go deaf.
REJOIN_SECONDS = 3600.0


slots = UserSlots(settings.CRSCOPE_WS_MAX_PER_USER)


def access_refresh_seconds() -> float:
    """Identity and authorization are re-read together, as often as the authz cache
    expires (at least every second, at most every ACCESS_REFRESH_SECONDS)."""
    return min(ACCESS_REFRESH_SECONDS, max(1.0, reviewer.ttl))


def _in_thread(func: Any, *args: Any) -> Any:
    return database_sync_to_async(func, thread_sensitive=False)(*args)


class LiveConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    feeds: list[Feed]
    sub: Subscription | None
    engine: Engine | None

    async def connect(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.closed = False
        self.feeds, self.sub, self.engine = [], None, None
        self.lock = asyncio.Lock()
        self.flush_handle: asyncio.TimerHandle | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.paused = False
        self.waiting = 0
        self.seq = self.acked = 0
        self.need_full = True
        self.dirty = False
        self.events: Listener | None = None  # the Events of the object a detail page shows
        self.last_access = time.monotonic()
        self.last_tick: dict[int, float] = {}
        self.slot: Slot | None = None
        self.groups: list[str] = []
        self.joined_at = time.monotonic()
        try:
            self.viewer = await database_sync_to_async(viewer_for_scope)(self.scope)
        except (AuthenticationError, NotAuthenticated):
            await self.accept()
            await self.close(code=SIGNED_OUT)
            return
        self.slot = slots.claim(self.viewer.cache_key)
        if self.slot is None:
            await self.accept()
            await self.close(
                code=TOO_MANY,
                reason=f"too many live connections (limit {slots.limit}): close other tabs",
            )
            return
        # Blank values count: page one's continue token is empty, so a list URL on page 2+
        # carries ``prev=``, and dropping it would number the page (and the pager) wrong.
        self.params = parse_qs(
            self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        await self._join_groups()
        await self.accept()
        self.bell = BellPush(self.loop, self._bell_changed)
        if not await self._attach():
            return
        self.ticker = asyncio.create_task(self._tick_loop())
        await self._flush()

    async def _join_groups(self) -> None:
        """The channel-layer groups this socket hears on: its session's (sign-out) and
        the bell's (a notification recorded on another replica)."""
        if self.channel_layer is None:
            return
        session = self.scope.get("session")
        key = getattr(session, "session_key", None) if session is not None else None
        self.groups = [session_group(key)] if key else []
        self.groups.append(BELL_GROUP)
        self.joined_at = time.monotonic()
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def session_ended(self, event: dict[str, Any]) -> None:
        """Sign-out of this socket's session (a channel-layer group message)."""
        await self._end(SIGNED_OUT, "signed out")

    async def bell_rang(self, event: dict[str, Any]) -> None:
        """A new in-app notification (a channel-layer group message); one recorded in this
        process was pushed already, by ``BellPush``."""
        if not rang_here(event):
            self._bell_changed()

    async def _end(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            await self.close(code=code, reason=reason)

    async def _attach(self) -> bool:
        """Build the feeds against the current engine and subscribe to its hub."""
        engine = adapter.engine
        self.engine = engine
        if engine is None:
            await self._send([], problem=adapter.error or "the informer engine is not running")
            return True
        try:
            self.feeds = await _in_thread(build_feeds, engine, self.viewer, self.params)
        except SpecError as exc:
            await self.close(code=exc.code)
            return False
        self.sub = engine.hub.subscribe(self._matches, notify=self._notify, max_pending=MAX_PENDING)
        self.need_full = True
        return True

    def _detach(self) -> None:
        if self.sub is not None and self.engine is not None:
            self.engine.hub.unsubscribe(self.sub)
        self.sub = None
        if self.events is not None and self.engine is not None:
            self.engine.hub.unlisten(self.events)
        self.events = None

    def _bell_changed(self) -> None:
        """A new in-app notification: push the bell (on this loop)."""
        task = asyncio.ensure_future(self._push_bell())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _push_bell(self) -> None:
        viewer = self.viewer
        await self._send([await _in_thread(lambda: bell_for(viewer, oob=True))])

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Channels leaves the socket's groups (``self.groups``) before it calls
        ``disconnect``; with Redis down that raises and ``disconnect`` never runs. What the
        socket holds in this process (its hub subscription and Event listener, its user
        slot, its timers) is let go of either way, or the engine would keep it for life."""
        try:
            await super().websocket_disconnect(message)
        finally:
            self._let_go()

    async def disconnect(self, code: int) -> None:
        self._let_go()

    def _let_go(self) -> None:
        """Release what this socket holds in the process; safe to call twice."""
        self.closed = True
        slot = getattr(self, "slot", None)
        if slot is not None:
            slot.release()
            self.slot = None
        bell = getattr(self, "bell", None)
        if bell is not None:
            bell.close()
        self._detach()
        if self.flush_handle is not None:
            self.flush_handle.cancel()
        ticker = getattr(self, "ticker", None)
        if ticker is not None:
            ticker.cancel()
        for task in list(self.tasks):
            task.cancel()

    # -- engine side: called on engine threads -----------------------------------------------
    def _matches(self, change: Change) -> bool:
        return any(feed.predicate(change) for feed in self.feeds)

    def _notify(self) -> None:
        call_on_loop(self.loop, self._wake)

    def _on_event(self, record: EventRecord) -> None:
        for feed in self.feeds:
            if isinstance(feed, DetailFeed):
                feed.poke()
        self._notify()

    # -- batching on the event loop ------------------------------------------------------------
    def _wake(self, delay: float | None = None) -> None:
        if self.closed or self.flush_handle is not None:
            return
        wait = BATCH_SECONDS if delay is None else delay
        self.flush_handle = self.loop.call_later(wait, self._fire)

    def _fire(self) -> None:
        self.flush_handle = None
        task = asyncio.ensure_future(self._flush())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _flush(self) -> None:
        async with self.lock:
            if self.closed:
                return
            changes: list[Change] = []
            overflowed = False
            if self.sub is not None:
                changes, overflowed = self.sub.drain()
            self.waiting += len(changes)
            self.need_full = self.need_full or overflowed
            for feed in self.feeds:
                feed.note(changes)
            if self.paused or self.seq - self.acked >= ACK_WINDOW:
                self.dirty = True
                if self.paused and self.seq - self.acked < ACK_WINDOW and changes:
                    await self._send([])
                return
            full, self.need_full = self.need_full, False
            try:
                pieces = await _in_thread(self._render, full)
            except Exception:
                log.exception("live: rendering a batch failed; will resync")
                self.need_full = True
                return
            resync = "overflow" if overflowed else ("1" if full else "")
            self.waiting = 0
            self.dirty = False
            if pieces or full:
                await self._send(pieces, resync=resync)
            self._listen_events()
            if any(feed.followup() for feed in self.feeds):
                self._wake(0.4)

    def _render(self, full: bool) -> list[str]:
        pieces: list[str] = []
        for feed in self.feeds:
            pieces += feed.full() if full else feed.update()
        return pieces

    def _listen_events(self) -> None:
        """Follow the Events of the object a detail feed shows (it may change on a reload)."""
        uid = next((f.uid for f in self.feeds if isinstance(f, DetailFeed)), "")
        following = self.events.involved_uid if self.events is not None else ""
        if uid == following or self.engine is None:
            return
        if self.events is not None:
            self.engine.hub.unlisten(self.events)
        self.events = (
            self.engine.hub.listen(on_event=self._on_event, involved_uid=uid) if uid else None
        )

    async def _send(self, pieces: list[str], *, resync: str = "", problem: str = "") -> None:
        """Send ``pieces`` as one message, or several when they would pass the server's
        message limit (see ``framing``); each message carries its own meta element."""
        messages, dropped = framing.split(pieces)
        notice = ""
        if dropped:
            log.warning("live: left out %d fragment(s) over the message limit", dropped)
            notice = "Part of this page is too large to update live; reload to see it."
        for i, batch in enumerate(messages):
            self.seq += 1
            last = i == len(messages) - 1
            meta = (
                f'<div id="live-meta" hx-swap-oob="true" hidden data-seq="{self.seq}" '
                f'data-resync="{resync if i == 0 else ""}" '
                f'data-waiting="{self.waiting if self.paused else 0}" '
                f'data-paused="{int(self.paused)}" data-at="{time.time():.3f}" '
                f'data-problem="{_attr(problem)}" data-notice="{_attr(notice if last else "")}">'
                "</div>"
            )
            await self.send(text_data="".join([*batch, meta]))
            WS_MESSAGES.inc()
        if resync == "overflow":
            WS_RESYNCS.inc()

    # -- periodic checks -----------------------------------------------------------------------
    async def _tick_loop(self) -> None:
        while not self.closed:
            await asyncio.sleep(TICK_SECONDS)
            try:
                await self._tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live: a periodic check failed")

    async def _tick(self) -> None:
        if adapter.engine is not self.engine:  # restarted in-process: start over
            async with self.lock:
                self._detach()
                if not await self._attach():
                    return
            self._wake(0)
            return
        now = time.monotonic()
        if now - self.last_access >= access_refresh_seconds():
            self.last_access = now
            if not await self._identity_holds():
                return
            for feed in self.feeds:
                await _in_thread(feed.refresh_access)
        if now - self.joined_at >= REJOIN_SECONDS:
            await self._join_groups()
        due = [f for f in self.feeds if now - self.last_tick.get(id(f), 0) >= f.tick_every]
        for feed in due:
            self.last_tick[id(feed)] = now
        if due or any(f.followup() for f in self.feeds):
            self._wake(0)

    async def _identity_holds(self) -> bool:
        """Re-resolve the viewer as at connect (a fresh read of the session, a TokenReview
        once the token cache expired); close the socket when it is gone or changed."""
        try:
            viewer = await database_sync_to_async(viewer_for_scope)(self.scope, reload_session=True)
        except (VerificationUnavailable, TooManyFailures):
            await self._end(UNVERIFIED, "identity could not be re-checked; reconnecting")
            return False
        except (AuthenticationError, NotAuthenticated):
            await self._end(SIGNED_OUT, "signed out or credentials no longer valid")
            return False
        if viewer.cache_key != self.viewer.cache_key:
            await self._end(SIGNED_OUT, "signed in as someone else")
            return False
        return True

    # -- from the browser ------------------------------------------------------------------------
    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels closes stale database connections before every message it dispatches,
        through its one thread for thread-sensitive work. Acks and pauses, a page's most
        frequent messages, touch no database (renders close their own connections in
        their worker thread), and with 49 viewers acking each 75 ms batch that hop
        serialized hundreds of calls a second; they go straight to the handler."""
        if message.get("type") == "websocket.receive":
            await self.websocket_receive(message)
            return
        await super().dispatch(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "{}")
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        ack = message.get("ack")
        if isinstance(ack, int) and self.acked < ack <= self.seq:
            self.acked = ack
            if self.dirty:
                self._wake(0)
        if "pause" in message:
            paused = bool(message["pause"])
            confirm = paused and not self.paused
            self.paused = paused
            if not paused:
                self._wake(0)
            elif confirm:
                await self._confirm_pause()

    async def _confirm_pause(self) -> None:
        """Answer a pause with a meta frame saying ``paused``: from that frame on, the
        client knows changes are held, not lost in flight, and a test can tell when the
        pause took effect instead of guessing how long the server needs."""
        async with self.lock:
            if not self.closed and self.seq - self.acked < ACK_WINDOW:
                await self._send([])


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
