"""A near-free watcher that tells when the apiserver has delivered a step's events.

Why: on 2 cores, with tens of thousands of custom resources in its watch cache, the
apiserver itself can fall seconds behind in turning etcd writes into watch events, and it
closes watches whose reader is momentarily slow. A contender waiting for those events is
not "behind" by its own fault. This probe watches the same collection and only counts
``"type":"MODIFIED"`` markers in the raw bytes (no JSON parsing, microseconds per event);
if the apiserver closes its watch it resumes from the last resourceVersion it saw, like
an informer. It also reads the apiserver's own count of watches it terminated for being
slow, so a step that lost events can say why.

The following itself (from the current resourceVersion, resuming after a close, only
complete events) is ``WatchFollower``, which the change-to-DOM benchmark's bare watch
(``benchmarks.delivery``) reads with its own ``_read``.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import orjson

from benchmarks.dataset import BenchKind
from benchmarks.wire import WireClient, WireError

_MARKER = b'{"type":"MODIFIED"'
_RESOURCE_VERSION = re.compile(rb'"resourceVersion":"(\d+)"')
_MAX_RESTARTS = 100


class WatchFollower:
    """Follows one collection from its current resourceVersion on a daemon thread,
    resuming from the last resourceVersion it saw when the apiserver closes the watch,
    like an informer. Subclasses read each batch of complete (newline-terminated) events:
    ``_read`` returns the batch's last resourceVersion, or ""."""

    def __init__(self, kubeconfig: str | Path, path: str, *, max_restarts: int) -> None:
        self.path = path
        self.max_restarts = max_restarts
        self._stream_client = WireClient.from_kubeconfig(kubeconfig, timeout=600)
        self._client = WireClient.from_kubeconfig(kubeconfig)
        self.restarts = 0
        self.error: str | None = None
        self._resource_version = ""
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Watch from the collection's current resourceVersion on a daemon thread."""
        status, body = self._client.request("GET", f"{self.path}?limit=1")
        if status != 200:
            raise RuntimeError(f"listing {self.path} answered HTTP {status}")
        self._resource_version = orjson.loads(body)["metadata"]["resourceVersion"]
        self._thread = threading.Thread(target=self._follow, daemon=True, name="follower")
        self._thread.start()

    def _follow(self) -> None:
        while not self._closed.is_set() and self.restarts <= self.max_restarts:
            target = (
                f"{self.path}?watch=true&resourceVersion={self._resource_version}"
                "&timeoutSeconds=3600"
            )
            try:
                self._consume(target)
            except (OSError, ValueError, WireError) as err:  # ValueError: closed by close()
                self.error = str(err)
            if not self._closed.is_set():
                self.restarts += 1

    def _consume(self, target: str) -> None:
        pending = b""
        for chunk in self._stream_client.stream("GET", target):
            # Only complete (newline-terminated) events count and move the resume point.
            now = time.time()
            data = pending + chunk
            cut = data.rfind(b"\n") + 1
            complete, pending = data[:cut], data[cut:]
            if complete:
                self._resource_version = self._read(complete, now) or self._resource_version

    def _read(self, complete: bytes, now: float) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self._closed.set()
        self._stream_client.shutdown()
        if self._thread is not None:
            self._thread.join(5.0)
        self._stream_client.close()
        self._client.close()


class WatchProbe(WatchFollower):
    def __init__(self, kubeconfig: str | Path, kind: BenchKind) -> None:
        super().__init__(kubeconfig, kind.path(), max_restarts=_MAX_RESTARTS)
        self.kind = kind
        self.count = 0

    def _read(self, complete: bytes, now: float) -> str:
        self.count += complete.count(_MARKER)
        versions = _RESOURCE_VERSION.findall(complete)
        return versions[-1].decode() if versions else ""

    def terminated_watchers(self) -> int:
        """The apiserver's count of watches on this resource it closed for being slow."""
        try:
            status, body = self._client.request("GET", "/metrics")
        except (OSError, WireError):
            return -1
        if status != 200:
            return -1
        labels = f'group="{self.kind.group}",resource="{self.kind.plural}"'.encode()
        for line in body.splitlines():
            if line.startswith(b"apiserver_terminated_watchers_total{") and labels in line:
                return int(float(line.rsplit(b" ", 1)[1]))
        return 0
