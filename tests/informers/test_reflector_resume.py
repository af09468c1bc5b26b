"""The reflector's watch loop: a normal close resumes without a relist; 429 waits Retry-After.

Why a scripted HTTP server instead of the real apiserver: the apiserver's 429 (priority
and fairness rejecting a request) cannot be produced on demand, and these rules are about
exactly which request comes next. The server speaks real HTTP, so the client's parsing of
the status and the Retry-After header is exercised too; the real apiserver's normal watch
close is covered by the engine convergence tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from informers import ClusterConfig, KubeClient
from informers.clock import SYSTEM_CLOCK, Clock
from informers.listerwatcher import ResourceListerWatcher
from informers.reflector import Reflector
from informers.testing import FakeClock
from tests.informers.kit import wait_until

PATH = "/apis/t.crscope.test/v1/gadgets"


def _gadget(name: str, rv: int) -> dict[str, Any]:
    return {
        "apiVersion": "t.crscope.test/v1",
        "kind": "Gadget",
        "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": str(rv)},
    }


@dataclass
class Script:
    """What the fake apiserver answers, and every request it saw (method, query)."""

    watch_answers: list[tuple[int, dict[str, str], list[dict[str, Any]]]]
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lists(self) -> list[dict[str, str]]:
        with self.lock:
            return [q for q in self.requests if q.get("watch") != "true"]

    def watches(self) -> list[dict[str, str]]:
        with self.lock:
            return [q for q in self.requests if q.get("watch") == "true"]


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            query = {k: v[-1] for k, v in parse_qs(urlparse(self.path).query).items()}
            with script.lock:
                script.requests.append(query)
                answer = script.watch_answers.pop(0) if query.get("watch") == "true" else None
            if answer is None and query.get("watch") == "true":
                # Nothing more scripted: an empty stream that ends at once (normal close).
                answer = (200, {}, [])
            if answer is None:
                body = {
                    "apiVersion": "t.crscope.test/v1",
                    "kind": "GadgetList",
                    "metadata": {"resourceVersion": "10"},
                    "items": [_gadget("a", 5)],
                }
                self._send(200, json.dumps(body).encode(), {})
                return
            status, headers, events = answer
            if status != 200:
                problem = {"kind": "Status", "code": status, "reason": "TooManyRequests"}
                self._send(status, json.dumps(problem).encode(), headers)
                return
            lines = b"".join(json.dumps(e).encode() + b"\n" for e in events)
            self._send(200, lines, headers)  # the stream ends: a normal watch close

    return Handler


@pytest.fixture
def apiserver() -> Iterator[tuple[ThreadingHTTPServer, Script]]:
    script = Script(watch_answers=[])
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, script
    finally:
        server.shutdown()
        server.server_close()


class Sink:
    def __init__(self) -> None:
        self.replaced: list[str] = []
        self.applied: list[tuple[str, str]] = []

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        self.replaced.append(resource_version)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        self.applied.append((event_type, obj["metadata"]["resourceVersion"]))

    def progress(self, loaded: int, total: int | None) -> None:
        pass


def _reflector(server: ThreadingHTTPServer, sink: Sink, clock: Clock = SYSTEM_CLOCK) -> Reflector:
    host, port = server.server_address[:2]
    config = ClusterConfig(
        host=f"http://{host!s}:{port}",
        ca_file=None,
        cert_file=None,
        key_file=None,
        verify=False,
        auth_header=lambda: None,
    )
    return Reflector(
        lister_watcher=ResourceListerWatcher(KubeClient(config), PATH),
        sink=sink,
        name="gadgets",
        clock=clock,
        list_mode="paged",
    )


def _run(reflector: Reflector) -> threading.Thread:
    thread = threading.Thread(target=reflector.run, daemon=True)
    thread.start()
    return thread


def test_a_normal_watch_close_resumes_from_the_last_rv_without_a_relist(
    apiserver: tuple[ThreadingHTTPServer, Script],
) -> None:
    server, script = apiserver
    script.watch_answers = [
        (200, {}, [{"type": "ADDED", "object": _gadget("b", 11)}]),
        (200, {}, [{"type": "BOOKMARK", "object": _gadget("", 14)}]),
    ]
    sink = Sink()
    reflector = _reflector(server, sink)
    thread = _run(reflector)
    try:
        wait_until(lambda: len(script.watches()) >= 4, timeout=20, message="watch resumed")
    finally:
        reflector.stop()
        thread.join(10)
    watches = script.watches()
    assert [w["resourceVersion"] for w in watches[:4]] == ["10", "11", "14", "14"]
    assert len(script.lists()) == 1, "a normal close must not relist"
    assert sink.replaced == ["10"]
    assert sink.applied == [("ADDED", "11")]


def test_429_waits_for_retry_after_then_resumes_the_same_watch(
    apiserver: tuple[ThreadingHTTPServer, Script],
) -> None:
    server, script = apiserver
    script.watch_answers = [(429, {"Retry-After": "7"}, [])]
    sink = Sink()
    clock = FakeClock()  # records the waits instead of waiting
    reflector = _reflector(server, sink, clock)
    thread = _run(reflector)
    try:
        wait_until(lambda: len(script.watches()) >= 3, timeout=20, message="watch retried")
    finally:
        reflector.stop()
        thread.join(10)
    assert clock.waits and clock.waits[0] == 7.0, clock.waits
    assert [w["resourceVersion"] for w in script.watches()[:3]] == ["10", "10", "10"]
    assert len(script.lists()) == 1, "a 429 must not relist"
