"""A configuration file that is re-read when it changes, keeping its last good content.

Why poll the file's stat instead of inotify: a ConfigMap volume updates by swapping a
symlink, which inotify watches on the file miss, and a stat every few seconds costs
nothing. Why keep the last good content on error: a half-edited file must not silence
every alert or flip every object's state; the error (with its position, when the parser
gives one) is logged and shown until the file is fixed.

The notification rules and the health rules both load this way; what they parse differs,
when and how they reload does not, so this is the one implementation of it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
Stamp = tuple[int, int, int] | None
MAX_FILE_BYTES = 2 * 1024 * 1024


class WatchedFile(Generic[T]):
    """``path`` parsed by ``parse`` (which raises ``ValueError`` on a bad file).

    ``load`` reads now; ``changed`` says, at most every ``reload_seconds``, whether the
    file's mtime, size or inode moved since the last read. ``error`` is why the last read
    was rejected, or None.
    """

    def __init__(
        self,
        path: str,
        parse: Callable[[str], T],
        *,
        what: str,
        reload_seconds: float = 5.0,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self.path = path
        self.parse = parse
        self.what = what
        self.reload_seconds = reload_seconds
        self.max_bytes = max_bytes
        self.error: str | None = None
        self.loaded_at: float | None = None
        self.checked_at: float | None = None
        self.version = 0
        self._stamp: Stamp = None
        self._next_check = 0.0
        self._lock = threading.Lock()

    def _stat(self) -> Stamp:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self) -> T | None:
        """Read and parse the file now: its new content, or None (and ``error`` set)."""
        with self._lock:
            self.checked_at = time.time()
            if not self.path:
                self.error = None
                return None
            self._stamp = self._stat()
            try:
                with open(self.path, encoding="utf-8") as handle:
                    text = handle.read(self.max_bytes + 1)
                if len(text) > self.max_bytes:
                    raise ValueError(f"larger than {self.max_bytes} bytes")
                value = self.parse(text)
            except (OSError, UnicodeDecodeError) as exc:
                self._reject(f"cannot read {self.path}: {exc}")
                return None
            except ValueError as exc:
                self._reject(f"{self.path}: {exc}")
                return None
            self.error = None
            self.loaded_at = time.time()
            self.version += 1
            return value

    def _reject(self, message: str) -> None:
        if message != self.error:
            log.error("%s: file rejected, the previous rules stay in force: %s", self.what, message)
        self.error = message

    def changed(self, now: float | None = None) -> bool:
        """True when it is time to look again and the file moved since the last read."""
        now = time.monotonic() if now is None else now
        if not self.path or now < self._next_check:
            return False
        self._next_check = now + self.reload_seconds
        return self._stat() != self._stamp
