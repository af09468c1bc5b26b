"""Django's ASGI handler with one thread hop per sync request instead of one per middleware.

Why: under ASGI, Django runs a sync middleware chain and a sync view by hopping from the
event loop to a thread for each middleware's request and response halves and for the
view, in a thread it starts for that request alone. Measured in-process, that machinery
cost ~1.8 ms per request while the same chain and view, called synchronously, took
~0.1 ms; with 20 callers at once, each request's time also held the other nineteen's
turns at the GIL. Every view but the NDJSON watch stream is sync, so this handler loads
the middleware chain twice: a sync chain, run whole in one call on a small pool of
threads that live as long as the server, and Django's own async chain, kept for views
that are coroutines (their streams must stay on the event loop).

What it keeps from Django: the request object, ``request_started`` and
``request_finished`` (which close database connections) in the thread that used them,
and the response's sending. A call from a view back into the loop (``async_to_sync``, as
sign-out does to close the session's sockets) still reaches this loop, because the hop is
``sync_to_async``'s.

``Server-Timing`` counts from the moment the request is complete (its body read) to the
response, the wait for a free thread included (``arrived``): a queue inside the server is
the server's time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, ASGIRequest, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix

ARRIVED = "crscope.arrived"  # request.META key: perf_counter() when the request was complete

Scope = dict[str, Any]


class OneHopHandler(ASGIHandler):
    """``ASGIHandler`` whose sync views run with their middleware in one pooled call."""

    def __init__(self, threads: int) -> None:
        super().__init__()  # the async chain, for coroutine views
        self._sync = BaseHandler()
        self._sync.load_middleware(is_async=False)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")
        self._respond = sync_to_async(
            self._respond_in_thread, thread_sensitive=False, executor=self.pool
        )

    async def handle(
        self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        script_name = get_script_prefix(scope)
        if coroutine_view(_path_info(scope, script_name)):
            await super().handle(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(script_name)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None  # create_request returns one or the other
            body_file.close()
            await self.send_response(error_response, send)
            await sync_to_async(error_response.close)()
            return
        request.META[ARRIVED] = time.perf_counter()
        response = await self._respond(request)
        try:
            await self.send_response(response, send)
        finally:
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=False, executor=self.pool)()
            body_file.close()

    def _respond_in_thread(self, request: ASGIRequest) -> HttpResponseBase:
        """The whole sync chain, then (unless it streams) the response's close: the
        database connections ``request_finished`` closes belong to this thread."""
        signals.request_started.send(sender=self.__class__, scope=request.scope)
        response = self._sync.get_response(request)
        if not response.streaming:
            response.close()
        return response


def _path_info(scope: Scope, script_name: str) -> str:
    """The path the URLconf resolves, as ``ASGIRequest`` computes it."""
    path: str = scope["path"]
    return path.removeprefix(script_name) if script_name else path


@lru_cache(maxsize=1024)
def coroutine_view(path: str) -> bool:
    """Whether ``path`` resolves to a coroutine view (a path that resolves to nothing is
    answered by the sync chain's 404)."""
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)
