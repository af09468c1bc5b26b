"""Sending one message over HTTP, and the per-destination sender threads.

Why a thread per destination: a receiver that times out (connect 5 s, read 10 s) or is
down must only delay its own queue; every other destination keeps sending. The threads do
HTTP only; the outbox worker owns the database and hands them ready-made bodies, so one
thread writes to the database no matter how many destinations there are.

Every failure becomes a short reason string (TLS error, timeout, refused, HTTP status
with the start of the body) that is stored on the delivery and shown to people.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import re
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import urllib3
from urllib3 import exceptions as http_errors

from dashboard.notify.destinations import Destination, SecretUnavailable

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Crscope-Signature"
ID_HEADER = "X-Crscope-Notification-Id"
USER_AGENT = "crscope-notify/1"
MAX_ERROR_BODY = 200
_CONNECTION_PREFIX = re.compile(r"^<?[\w.]*Connection(?: object at 0x[0-9a-f]+>|\([^)]*\)): ")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    status: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Job:
    """One claimed delivery, ready to post."""

    delivery_id: int
    nid: str
    destination: Destination
    body: bytes


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact bytes sent, keyed by the shared secret."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class HttpPoster:
    """POSTs JSON with fixed timeouts, no redirects and no automatic retries."""

    def __init__(self, *, connect_timeout: float, read_timeout: float) -> None:
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self._pools: dict[str, urllib3.PoolManager] = {}

    def _pool(self, ca_file: str) -> urllib3.PoolManager:
        pool = self._pools.get(ca_file)
        if pool is None:
            pool = urllib3.PoolManager(
                num_pools=4, maxsize=1, cert_reqs="CERT_REQUIRED", ca_certs=ca_file or None
            )
            self._pools[ca_file] = pool
        return pool

    def post(self, dest: Destination, nid: str, body: bytes) -> Outcome:
        try:
            url = dest.resolve_url()
            headers = dest.resolve_headers()
            secret = dest.secret.read() if dest.secret is not None else None
        except SecretUnavailable as exc:
            return Outcome(ok=False, error=f"configuration: {exc}")
        headers.update(
            {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                ID_HEADER: nid,
            }
        )
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        try:
            response = self._pool(dest.ca_file).request(
                "POST",
                url,
                body=body,
                headers=headers,
                timeout=self.timeout,
                retries=False,
                redirect=False,
                preload_content=False,
            )
        except Exception as exc:
            return Outcome(ok=False, error=self.describe(exc))
        try:
            snippet = response.read(MAX_ERROR_BODY * 4)
        except Exception as exc:
            return Outcome(ok=False, error=self.describe(exc), status=response.status)
        finally:
            response.release_conn()
            response.close()
        if 200 <= response.status < 300:
            return Outcome(ok=True, status=response.status)
        text = snippet.decode("utf-8", "replace").strip().replace("\n", " ")[:MAX_ERROR_BODY]
        return Outcome(
            ok=False,
            status=response.status,
            error=f"HTTP {response.status}" + (f": {text}" if text else ""),
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )

    def describe(self, exc: Exception) -> str:
        if isinstance(exc, http_errors.SSLError):
            return f"TLS error: {_cause(exc)}"
        if isinstance(exc, http_errors.NewConnectionError):
            return f"connection failed: {_cause(exc)}"
        if isinstance(exc, http_errors.ConnectTimeoutError):
            return f"connect timeout after {self.timeout.connect_timeout}s"
        if isinstance(exc, http_errors.ReadTimeoutError):
            return f"read timeout after {self.timeout.read_timeout}s"
        if isinstance(exc, http_errors.ProtocolError):
            return f"connection dropped: {_cause(exc)}"
        if isinstance(exc, http_errors.LocationValueError | ValueError):
            return f"bad URL: {exc}"
        return f"{type(exc).__name__}: {exc}"[:300]


def _cause(exc: Exception) -> str:
    """The useful end of urllib3's message, without the connection object's repr."""
    text = str(exc.args[-1] if exc.args else exc)
    text = _CONNECTION_PREFIX.sub("", text).replace("Failed to establish a new connection: ", "")
    return text[:200]


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class DestinationSender:
    """One destination's queue and thread; results go back to the worker's queue."""

    def __init__(
        self, name: str, poster: HttpPoster, results: queue.SimpleQueue[tuple[Job, Outcome]]
    ) -> None:
        self.name = name
        self.poster = poster
        self.in_flight = 0  # changed by the worker thread only
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._results = results
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"notify-send:{name}")
        self._thread.start()

    def submit(self, job: Job) -> None:
        self.in_flight += 1
        self._jobs.put(job)

    def stop(self) -> None:
        """Finish the message being sent; queued ones stay claimed in the outbox for later."""
        self._stopping.set()
        self._jobs.put(None)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None or self._stopping.is_set():
                return
            try:
                outcome = self.poster.post(job.destination, job.nid, job.body)
            except Exception as exc:  # never lose the result: the worker must release the row
                log.exception("notify: sending to %s failed unexpectedly", self.name)
                outcome = Outcome(ok=False, error=f"internal error: {exc}")
            self._results.put((job, outcome))
