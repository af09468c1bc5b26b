"""A minimal keep-alive HTTPS/1.1 client for the benchmark's write traffic.

Why not ``KubeHTTP`` (urllib3): on these 2-core machines urllib3 + ``http.client`` cost
~0.9 ms of client CPU per request (header objects, the email parser, pool bookkeeping), so
a Python load generator topped out near 1,000 writes/s while stealing a core from the
apiserver it was supposed to load. Writing pre-formatted request bytes to one TLS socket
and reading the answer by Content-Length or chunks costs a fraction of that, which keeps
the apiserver, not the client, the limit. Only what the benchmark sends is supported:
one request at a time per connection, JSON bodies, no redirects, no compression, and one
streamed response (a watch) per connection.
"""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml


class WireError(Exception):
    """The connection broke mid-request; the caller decides whether to retry."""


class WireClient:
    """One TLS connection to one apiserver as one bearer-token user. Not thread-safe."""

    def __init__(self, *, server: str, token: str, ca_data: str, timeout: float = 30.0) -> None:
        parts = urlsplit(server)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 443
        self.timeout = timeout
        self._auth = f"Authorization: Bearer {token}\r\n"
        self._context = ssl.create_default_context(cadata=ca_data)
        self._sock: ssl.SSLSocket | None = None
        self._file: Any = None

    @classmethod
    def from_kubeconfig(cls, path: str | Path, *, timeout: float = 30.0) -> WireClient:
        """Read server, CA data and token from the current context of a token kubeconfig."""
        config = yaml.safe_load(Path(path).read_text())
        context = _named(config["contexts"], config["current-context"])["context"]
        cluster = _named(config["clusters"], context["cluster"])["cluster"]
        user = _named(config["users"], context["user"])["user"]
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        return cls(server=cluster["server"], token=user["token"], ca_data=ca, timeout=timeout)

    def request(
        self, method: str, target: str, body: bytes = b"", content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        """Send one request (``target`` is path plus query); returns (status, body bytes).

        A request on a reused connection that finds it closed is sent once more on a new
        one; that is the only retry, and the caller's writes are idempotent enough for it.
        """
        reused = self._sock is not None
        try:
            return self._once(method, target, body, content_type)
        except (OSError, WireError):
            self.close()
            if not reused:
                raise
        return self._once(method, target, body, content_type)

    def stream(self, method: str, target: str) -> Iterator[bytes]:
        """Send one request and yield its body as it arrives, de-chunked (for a watch).

        Raises :class:`WireError` for a non-200 answer. The connection is closed when the
        generator ends, since a watch's connection cannot be reused.
        """
        try:
            self.close()
            self._connect()
            assert self._sock is not None
            self._sock.sendall(self._head(method, target, b"", "application/json"))
            status, length, chunked, _ = self._read_head()
            if status != 200:
                raise WireError(f"HTTP {status}")
            if not chunked:
                yield self._read_exact(length)
                return
            while True:
                size = self._chunk_size()
                if size == 0:
                    return
                yield self._read_exact(size)
                self._file.readline(16)
        finally:
            self.close()

    def shutdown(self) -> None:
        """Unblock a thread reading a stream (closing alone would wait for its read)."""
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._file = None

    def __enter__(self) -> WireClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = self._context.wrap_socket(raw, server_hostname=self.host)
        self._file = self._sock.makefile("rb", buffering=65536)

    def _once(self, method: str, target: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        if self._sock is None:
            self._connect()
        assert self._sock is not None
        self._sock.sendall(self._head(method, target, body, content_type) + body)
        status, length, chunked, close = self._read_head()
        data = self._read_chunked() if chunked else self._read_exact(length)
        if close:
            self.close()
        return status, data

    def _head(self, method: str, target: str, body: bytes, content_type: str) -> bytes:
        return (
            f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\n{self._auth}"
            f"Accept: application/json\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()

    def _read_head(self) -> tuple[int, int, bool, bool]:
        line = self._file.readline(65536)
        if not line:
            raise WireError("connection closed before the status line")
        status = int(line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while True:
            line = self._file.readline(65536)
            if line in (b"\r\n", b"\n", b""):
                return status, length, chunked, close
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()

    def _chunk_size(self) -> int:
        line = self._file.readline(1024)
        try:
            return int(line.split(b";", 1)[0], 16)
        except ValueError:
            raise WireError(f"bad chunk header {line[:40]!r}") from None

    def _read_exact(self, length: int) -> bytes:
        data: bytes = self._file.read(length)
        if len(data) != length:
            raise WireError("connection closed mid-body")
        return data

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = self._chunk_size()
            if size == 0:
                self._file.readline(1024)  # the empty trailer
                return b"".join(parts)
            parts.append(self._read_exact(size))
            self._file.readline(16)


def _named(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for entry in entries:
        if entry.get("name") == name:
            return entry
    raise KeyError(f"kubeconfig has no entry named {name!r}")
