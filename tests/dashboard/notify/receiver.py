"""A real local HTTP receiver for webhook tests, switchable between ok, fail, slow and down.

Why a real server: timeouts, refused connections and the exact bytes that were signed are
what the sender must handle, and a fake client would hide them.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from devkit.controlplane.cluster import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def nid(self) -> str:
        return self.headers.get("x-crscope-notification-id", "")


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True  # "down" then "up" on the same port
    daemon_threads = True


@dataclass
class Receiver:
    """``mode``: "ok" (200), "fail" (``fail_status``), "slow" (sleep ``delay`` then 200)."""

    port: int = 0
    mode: str = "ok"
    fail_status: int = 503
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        self.port = self.port or free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.attempts += 1
                    mode = receiver.mode
                if mode == "slow":
                    time.sleep(receiver.delay)
                if mode == "fail":
                    self._answer(receiver.fail_status, b"receiver says no")
                    return
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                            at=time.time(),
                        )
                    )
                self._answer(200, b"ok")

            def _answer(self, status: int, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (a read timeout): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        """Stop listening: connections are refused until ``up()``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def up(self) -> None:
        if self._server is None:
            self.start()

    def stop(self) -> None:
        self.down()

    def ids(self) -> list[str]:
        with self._lock:
            return [r.nid for r in self.received]

    def bodies(self) -> list[Any]:
        with self._lock:
            return [r.json for r in self.received]
