"""The ASGI handler runs a sync request whole on a few long-lived threads, and its
``Server-Timing`` counts the wait for one (``dashboard/core/web/onehop.py``).

In-process: the handler is called with ASGI messages, as daphne calls it. The watch
stream, the one coroutine view, is tested end to end in ``tests/dashboard/api``.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.core import signals

import dashboard.asgi  # noqa: F401 - the application's Django set-up (the engine stays off)
from dashboard.core.web.onehop import OneHopHandler, coroutine_view


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def _get(handler: OneHopHandler, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """One GET through ``handler``: status, headers and body as the server would send them."""
    sent: list[Mapping[str, Any]] = []
    finished = asyncio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    await handler(_scope(path), receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body


@pytest.fixture
def threads_seen() -> Iterator[list[tuple[str, threading.Thread]]]:
    """(signal, thread) for every ``request_started`` and ``request_finished``."""
    seen: list[tuple[str, threading.Thread]] = []

    def started(**_: Any) -> None:
        seen.append(("started", threading.current_thread()))

    def finished(**_: Any) -> None:
        seen.append(("finished", threading.current_thread()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield seen
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


def test_concurrent_requests_share_a_few_threads_each_request_whole_on_one(
    threads_seen: list[tuple[str, threading.Thread]],
) -> None:
    """Forty requests at once: every one starts and finishes (where Django closes its
    database connections) on one of the pool's two threads, never on a thread of its own
    nor on the event loop's."""
    handler = OneHopHandler(threads=2)

    async def forty() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        return await asyncio.gather(*(_get(handler, "/healthz") for _ in range(40)))

    answers = asyncio.run(forty())
    assert [status for status, _, _ in answers] == [200] * 40
    started = [t for what, t in threads_seen if what == "started"]
    finished = [t for what, t in threads_seen if what == "finished"]
    assert len(started) == len(finished) == 40
    assert len(set(started)) <= 2 and set(finished) <= set(started)
    assert all(t.name.startswith("http") for t in started), {t.name for t in started}


def test_server_timing_includes_the_wait_for_a_free_thread() -> None:
    """With the only thread busy for half a second, an API answer's ``Server-Timing`` says
    at least that: a queue inside the server is the server's time."""
    handler = OneHopHandler(threads=1)
    release = threading.Event()

    async def blocked_request() -> tuple[int, dict[bytes, bytes], bytes]:
        loop = asyncio.get_running_loop()
        busy = loop.run_in_executor(handler.pool, release.wait, 60)
        request = asyncio.ensure_future(_get(handler, "/api/v1/no-such-endpoint"))
        await asyncio.sleep(0.5)
        release.set()
        await busy
        return await request

    started = time.perf_counter()
    status, headers, _ = asyncio.run(blocked_request())
    took_ms = (time.perf_counter() - started) * 1000
    assert status == 404
    match = re.fullmatch(rb"app;dur=(\d+\.\d\d)", headers.get(b"server-timing", b""))
    assert match, headers
    assert 500 <= float(match.group(1)) <= took_ms


def test_only_coroutine_views_take_the_async_path() -> None:
    """The watch stream is a coroutine and must stay on the event loop; the rest is sync,
    and a path that resolves to nothing gets the sync chain's 404."""
    assert coroutine_view("/api/v1/watch")
    assert not coroutine_view("/api/v1/resources")
    assert not coroutine_view("/")
    assert not coroutine_view("/no/such/page")
