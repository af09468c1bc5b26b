"""Request size limits: 413 for a body over 1 MiB, 414 for an overlong URL, before Django.

Why an ASGI layer in front of Django: Django checks ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only
when a view reads the body, and ninja turned that error into a 500; a chunked body has no
Content-Length for Django to look at at all; and an overlong query string reached views
that were never meant to parse it. Here both limits are checked once, for every page and
API call, with the status that names the problem.

Twisted (under daphne) has limits of its own below this layer: a request line over 16 KiB
was dropped without any answer, and a request line plus headers over 16 KiB got a bare
400. :func:`install_twisted_limits` makes the first a 414 and raises the second, so
that URLs between our limit and Twisted's reach the 414 here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import orjson
from django.conf import settings

from dashboard.core.web.problem import PROBLEM_JSON, problem_body

MAX_URL_BYTES = 8192
#: Request line plus headers, for Twisted (its default, 16 KiB, undercuts MAX_URL_BYTES
#: plus ordinary headers and cookies).
MAX_HEAD_BYTES = 64 * 1024
REQUEST_LINE = re.compile(rb"^[A-Z]{3,10} ")

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def max_body_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 1024 * 1024)


class RequestLimits:
    """ASGI middleware for HTTP: answer 414 or 413 instead of passing the request on."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("raw_path") or scope.get("path", "").encode()
        if len(path) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            detail = f"URLs are limited to {MAX_URL_BYTES} bytes"
            await _refuse(scope, send, 414, detail, slug="uri-too-long")
            return
        limit = max_body_bytes()
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, 413, _body_detail(limit), slug="too-large")
            return
        buffered: list[Message] = []
        if declared is None:  # chunked: count what arrives before Django sees any of it
            size, more = 0, True
            while more:
                message = await receive()
                buffered.append(message)
                size += len(message.get("body", b""))
                more = message.get("type") == "http.request" and message.get("more_body", False)
                if size > limit:
                    await _refuse(scope, send, 413, _body_detail(limit), slug="too-large")
                    return

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Message) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _body_detail(limit: int) -> str:
    return f"request bodies are limited to {limit} bytes"


async def _refuse(scope: Message, send: Send, status: int, detail: str, *, slug: str) -> None:
    if scope.get("path", "").startswith("/api/"):
        body = orjson.dumps(problem_body(status, detail, slug=slug))
        content_type = PROBLEM_JSON.encode()
    else:
        body = f"{status} {HTTPStatus(status).phrase}: {detail}\n".encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install_twisted_limits() -> None:
    """Answer an overlong request line with 414 (Twisted dropped the connection silently),
    and let request heads up to MAX_HEAD_BYTES through to :class:`RequestLimits`."""
    try:
        from twisted.web import http
    except ImportError:  # not under daphne
        return
    channel: Any = http.HTTPChannel
    if getattr(channel, "_crscope_limits", False):
        return
    channel.totalHeadersSize = MAX_HEAD_BYTES
    channel.MAX_LENGTH = MAX_HEAD_BYTES

    def lineLengthExceeded(self: Any, line: bytes) -> None:
        status = (
            b"414 URI Too Long"
            if REQUEST_LINE.match(line)
            else b"431 Request Header Fields Too Large"
        )
        self.transport.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        self.loseConnection()

    channel.lineLengthExceeded = lineLengthExceeded
    channel._crscope_limits = True
