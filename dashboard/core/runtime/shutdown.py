"""Graceful stop on SIGTERM: tell every open WebSocket to reconnect, then let daphne stop.

Why: Kubernetes stops a pod with SIGTERM on every rollout. Daphne then stops Twisted's
reactor at once, and its open sockets were cut without a close frame: pages saw an
abnormal close (1006) and could not tell a restart from a network fault. Here SIGTERM
first sends every socket 1012 ("service restart", which the page's client retries),
waits a bounded time for the clients to answer, and only then hands over to daphne's own
shutdown; the engine, the history writer and the notification outbox then flush in the
process's exit hooks (:mod:`dashboard.wiring`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
SERVICE_RESTART = 1012
#: How long the clients get to answer the close frame (Kubernetes' grace period is 30 s).
CLOSE_WAIT_SECONDS = 5.0

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]


class _Socket:
    def __init__(self, send: Send) -> None:
        self.send = send
        self.closing = False


_open: set[_Socket] = set()


class OpenSockets:
    """ASGI middleware for WebSockets: keeps the accepted, not yet closed sockets, so that
    :func:`close_all` can reach each one. After that close, the application's own sends
    are dropped (the socket is closing)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> Any:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        sock = _Socket(send)

        async def tracked_send(message: Message) -> None:
            if sock.closing:
                return
            if message["type"] == "websocket.accept":
                _open.add(sock)
            elif message["type"] == "websocket.close":
                _open.discard(sock)
            await send(message)

        async def tracked_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                _open.discard(sock)
            return message

        try:
            return await self.app(scope, tracked_receive, tracked_send)
        finally:
            _open.discard(sock)


def open_count() -> int:
    return len(_open)


async def close_all(*, code: int = SERVICE_RESTART, timeout: float = CLOSE_WAIT_SECONDS) -> int:
    """Send ``code`` to every open socket; return how many had not answered by ``timeout``."""
    socks = list(_open)
    for sock in socks:
        sock.closing = True
        try:
            await sock.send({"type": "websocket.close", "code": code})
        except Exception:  # a socket that is already gone needs no close frame
            _open.discard(sock)
    deadline = time.monotonic() + timeout
    while any(s in _open for s in socks) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    left = sum(1 for s in socks if s in _open)
    log.info("shutdown: told %s sockets to reconnect; %s did not answer", len(socks), left)
    return left


def install_sigterm_drain() -> None:
    """Under daphne (Twisted's reactor already installed), take SIGTERM once the reactor
    runs: close the sockets, then stop as daphne would. A second SIGTERM stops at once."""
    if "twisted.internet.reactor" not in sys.modules:
        return  # not under daphne (tests, manage.py)
    _allow_service_restart_code()
    from twisted.internet import reactor

    r: Any = reactor
    r.callWhenRunning(_take_sigterm, r)


def _take_sigterm(reactor: Any) -> None:
    draining = False

    def on_sigterm(signum: int, frame: object) -> None:
        nonlocal draining
        if draining:
            reactor.callFromThread(reactor.stop)
            return
        draining = True
        log.info("SIGTERM: closing live sockets (1012), then stopping")
        reactor.callFromThread(_drain_then_stop, reactor)

    signal.signal(signal.SIGTERM, on_sigterm)


def _drain_then_stop(reactor: Any) -> None:
    def stop(_: object) -> None:
        if reactor.running:
            reactor.stop()

    task = asyncio.ensure_future(close_all())
    task.add_done_callback(stop)


def _allow_service_restart_code() -> None:
    """Let an application close a socket with 1012. Autobahn (under daphne) accepts only
    1000 and 3000-4999 from applications, though 1012 is the registered "service
    restart" that browsers' clients (htmx's ws extension among them) retry on their own.
    Its unchecked close-frame call sends exactly that code."""
    from daphne.ws_protocol import WebSocketProtocol

    protocol: Any = WebSocketProtocol
    if getattr(protocol, "_crscope_1012", False):
        return
    server_close = protocol.serverClose

    def serverClose(self: Any, code: int | None = None) -> None:
        if code == SERVICE_RESTART:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            server_close(self, code=code)

    protocol.serverClose = serverClose
    protocol._crscope_1012 = True
