"""How many bytes of a response the server has accepted but not yet written to the socket.

Why: under daphne, ``send`` for ``http.response.body`` returns at once and Twisted keeps
whatever the socket cannot take in the connection's write buffer, without limit and
without telling the application. A watch client that stops reading would make the server
hold every line it is sent. An ASGI application cannot see that buffer, so this middleware
puts a probe in the HTTP scope (``scope["crscope.unsent"]``) that a long response asks
before sending more.

How: daphne passes ``send`` as ``functools.partial(server.handle_reply, protocol)``, where
the protocol is Twisted's HTTP request; its transport (below any TLS wrapper) keeps the
unsent bytes in ``dataBuffer`` (from ``offset``) and ``_tempDataBuffer``. Under another
server, or if those attributes change, there is no probe (``unsent`` answers None) and
streams rely on the server's own backpressure (uvicorn, for one, awaits the socket in
``send``, and the watch's change bound then ends a slow stream).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

App = Callable[..., Awaitable[None]]  # an ASGI application (scope, receive, send)
SCOPE_KEY = "crscope.unsent"


class Probe:
    """The write side of one HTTP connection: bytes still owed to the client, and a way out."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport

    def unsent(self) -> int:
        t = self._transport
        return int(len(t.dataBuffer) - t.offset + t._tempDataLen)

    def abort(self) -> None:
        """Drop the connection and its buffer (for a client that does not read at all)."""
        self._transport.abortConnection()


def _socket_transport(transport: Any) -> Any | None:
    """The transport that buffers for the socket, under any protocol wrappers (TLS)."""
    for _ in range(4):
        if transport is None:
            return None
        if all(hasattr(transport, a) for a in ("dataBuffer", "offset", "_tempDataLen")):
            return transport
        transport = getattr(transport, "transport", None)
    return None


def probe_for(send: Any) -> Probe | None:
    """A probe for the connection behind daphne's ``send``, or None under other servers."""
    if not isinstance(send, functools.partial) or not send.args:
        return None
    transport = _socket_transport(getattr(send.args[0], "transport", None))
    if transport is None or not hasattr(transport, "abortConnection"):
        return None
    try:
        Probe(transport).unsent()
    except (AttributeError, TypeError):
        return None
    return Probe(transport)


def middleware(app: App) -> App:
    """Wrap the HTTP application so views find a ``Probe`` (or None) in their scope."""

    async def with_probe(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            scope = {**scope, SCOPE_KEY: probe_for(send)}
        await app(scope, receive, send)

    return with_probe


def probe_of(scope: Any) -> Probe | None:
    """The probe a request's scope carries (None without the middleware or under others)."""
    found = scope.get(SCOPE_KEY) if isinstance(scope, dict) else None
    return found if isinstance(found, Probe) else None
