"""The HTTP layer's parsing, in-process: NDJSON watch streams and error answers.

Why: ``WatchStream`` and the error parsing sit under every reflector; a response
stand-in (chunks, status, headers) pins how lines split across chunks, what a broken
line becomes, how a read timeout ends a watch, and that Retry-After is read. The
scripted-HTTP test (``test_reflector_resume``) and the real apiserver cover the wire.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest
import urllib3

from informers.listwatch import ApiError, WatchStream, _json_or_raise


class Response:
    """What WatchStream and _json_or_raise read from a urllib3 response."""

    def __init__(
        self,
        chunks: list[bytes | Exception] | None = None,
        *,
        status: int = 200,
        data: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.chunks = list(chunks or [])
        self.status = status
        self.data = data
        self.headers = headers or {}
        self.closed = 0

    def stream(self, amt: int, decode_content: bool) -> Iterator[bytes]:
        for chunk in self.chunks:
            if isinstance(chunk, Exception):
                raise chunk
            yield chunk

    def shutdown(self) -> None:
        pass

    def close(self) -> None:
        self.closed += 1


def _stream(resp: Response, on_close: Any = None) -> WatchStream:
    return WatchStream(cast(urllib3.BaseHTTPResponse, resp), name="t", on_close=on_close)


def test_events_split_across_chunks_are_joined_and_a_last_line_without_newline_counts() -> None:
    chunks: list[bytes | Exception] = [
        b'{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"MOD',
        b'IFIED","object":{"metadata":{"name":"a"}}}\n\n',
        b'{"type":"DELETED","object":{"metadata":{"name":"a"}}}',
    ]
    assert [e["type"] for e in _stream(Response(chunks))] == ["ADDED", "MODIFIED", "DELETED"]


@pytest.mark.parametrize("line", [b'{"type":"ADDED",', b"[1, 2]"], ids=["broken", "not-object"])
def test_a_line_that_is_not_an_event_becomes_a_malformed_marker(line: bytes) -> None:
    chunks: list[bytes | Exception] = [line + b"\n", b'{"type":"BOOKMARK","object":{}}\n']
    events = list(_stream(Response(chunks)))
    assert [e["type"] for e in events] == ["MALFORMED", "BOOKMARK"]
    assert events[0]["size"] == len(line)


def test_a_read_timeout_ends_the_watch_like_a_close_and_says_so() -> None:
    closes: list[None] = []
    timeout = urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out")  # type: ignore[arg-type]
    resp = Response([b'{"type":"ADDED","object":{}}\n', timeout])
    stream = _stream(resp, on_close=lambda: closes.append(None))
    assert [e["type"] for e in stream] == ["ADDED"]
    assert stream.timed_out
    assert resp.closed == 1 and closes == [None]


def test_close_from_another_thread_is_idempotent() -> None:
    closes: list[None] = []
    stream = _stream(Response([]), on_close=lambda: closes.append(None))
    threads = [threading.Thread(target=stream.close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    stream.close()
    assert closes == [None], "the connection is checked in exactly once"


def test_an_error_answer_carries_status_reason_and_retry_after() -> None:
    body = b'{"kind":"Status","reason":"TooManyRequests","message":"slow down","code":429}'
    resp = Response(status=429, data=body, headers={"Retry-After": "7"})
    with pytest.raises(ApiError) as caught:
        _json_or_raise(cast(urllib3.BaseHTTPResponse, resp))
    err = caught.value
    assert (err.status, err.reason, err.message, err.retry_after) == (
        429,
        "TooManyRequests",
        "slow down",
        7.0,
    )


def test_an_error_answer_that_is_not_json_keeps_its_text_and_a_bad_retry_after_is_none() -> None:
    resp = Response(status=502, data=b"<html>bad gateway</html>", headers={"Retry-After": "soon"})
    with pytest.raises(ApiError) as caught:
        _json_or_raise(cast(urllib3.BaseHTTPResponse, resp))
    assert caught.value.status == 502 and "bad gateway" in caught.value.message
    assert caught.value.retry_after is None


def test_gone_is_410_or_an_expired_reason() -> None:
    assert ApiError(410, "Gone", "").gone
    assert ApiError(500, "Expired", "").gone
    assert not ApiError(500, "InternalError", "").gone
