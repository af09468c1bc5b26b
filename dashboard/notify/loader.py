"""The rules file on disk: load at start, reload when it changes, keep the last good set.

Why poll the file's stat instead of inotify: a ConfigMap volume updates by swapping a
symlink, which inotify watches on the file miss, and polling a stat every few seconds costs
nothing. Why keep the previous set on error: a half-edited file must not silence every
alert; the error is shown on the page and in the API until the file is fixed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from dashboard.notify.rules import RuleSet, RulesFileError, parse_rules

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 2 * 1024 * 1024
Stamp = tuple[int, int, int] | None


class RulesSource:
    """The active RuleSet (swapped atomically) plus what the last load attempt found."""

    def __init__(self, path: str, *, reload_seconds: float = 5.0) -> None:
        self.path = path
        self.reload_seconds = reload_seconds
        self.current = RuleSet()
        self.file_error: str | None = None
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

    def load(self) -> bool:
        """Read and parse the file now; True when a new rule set became active."""
        with self._lock:
            self.checked_at = time.time()
            if not self.path:
                self.file_error = None
                return False
            self._stamp = self._stat()
            try:
                with open(self.path, encoding="utf-8") as handle:
                    text = handle.read(MAX_FILE_BYTES + 1)
                if len(text) > MAX_FILE_BYTES:
                    raise RulesFileError(f"larger than {MAX_FILE_BYTES} bytes")
                rules = parse_rules(text)
            except (OSError, UnicodeDecodeError) as exc:
                return self._failed(f"cannot read {self.path}: {exc}")
            except RulesFileError as exc:
                return self._failed(f"{self.path}: {exc}")
            self.current = rules
            self.file_error = None
            self.loaded_at = time.time()
            self.version += 1
        log.info(
            "notify: loaded %s rules and %s destinations from %s",
            len(rules.rules),
            len(rules.destinations),
            self.path,
        )
        for error in rules.errors:
            log.warning("notify: %s", error)
        return True

    def _failed(self, message: str) -> bool:
        if message != self.file_error:
            log.error("notify: rules file rejected, previous rules stay active: %s", message)
        self.file_error = message
        return False

    def maybe_reload(self, now: float | None = None) -> bool:
        """Reload when the file's mtime, size or inode changed since the last look."""
        now = time.monotonic() if now is None else now
        if not self.path or now < self._next_check:
            return False
        self._next_check = now + self.reload_seconds
        if self._stat() == self._stamp:
            return False
        return self.load()

    def status(self) -> dict[str, Any]:
        rules = self.current
        return {
            "path": self.path or None,
            "loadedAt": self.loaded_at,
            "checkedAt": self.checked_at,
            "version": self.version,
            "fileError": self.file_error,
            "errors": [e.public() for e in rules.errors],
            "rules": [r.public() for r in rules.rules],
            "destinations": [d.public() for d in rules.destinations.values()],
        }
