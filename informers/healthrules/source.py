"""The user's health rules file: loaded at start, reloaded when it changes, last good kept.

Why poll the file's stat (like the notification rules): a ConfigMap volume updates by
swapping a symlink, which inotify on the file misses, and a stat every few seconds costs
nothing. Why keep the previous rules on error: a half-edited file must not flip every
object's state; the error (field, line, column) is logged and shown until it is fixed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from informers.healthrules.parse import MAX_FILE_BYTES, RuleError
from informers.healthrules.ruleset import RuleSet, parse_rules, shipped_rules

log = logging.getLogger(__name__)
Stamp = tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class HealthRulesStatus:
    """What the engine reports about its health rules (for the UI and the API)."""

    path: str | None
    loaded_at: float | None
    checked_at: float | None
    error: str | None
    version: int
    #: every active rule, user rules first
    rule_names: tuple[str, ...]
    user_rule_names: tuple[str, ...]

    def public(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "loadedAt": self.loaded_at,
            "checkedAt": self.checked_at,
            "error": self.error,
            "version": self.version,
            "rules": list(self.rule_names),
            "userRules": list(self.user_rule_names),
        }


class HealthRulesSource:
    """The active rules (user file over the shipped pack), swapped atomically on reload."""

    def __init__(self, path: str = "", *, reload_seconds: float = 5.0) -> None:
        self.path = path
        self.reload_seconds = reload_seconds
        self.error: str | None = None
        try:
            self.shipped = shipped_rules()
        except RuleError as exc:  # a crscope bug (the pack is tested): run on without it
            log.error("health rules: the shipped pack is broken, not using it: %s", exc)
            self.shipped = RuleSet()
            self.error = f"shipped pack: {exc}"
        self.user = RuleSet()
        self.current = self.shipped
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
                return False
            self._stamp = self._stat()
            try:
                with open(self.path, encoding="utf-8") as handle:
                    text = handle.read(MAX_FILE_BYTES + 1)
                user = parse_rules(text, source=self.path)
            except (OSError, UnicodeDecodeError) as exc:
                return self._failed(f"cannot read {self.path}: {exc}")
            except RuleError as exc:
                return self._failed(f"{self.path}: {exc}")
            self.user = user
            self.current = user.over(self.shipped)
            self.error = None
            self.loaded_at = time.time()
            self.version += 1
        log.info("health rules: loaded %s rules from %s", len(user.rules), self.path)
        return True

    def _failed(self, message: str) -> bool:
        if message != self.error:
            log.error("health rules: file rejected, previous rules stay in force: %s", message)
        self.error = message
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

    def status(self) -> HealthRulesStatus:
        return HealthRulesStatus(
            path=self.path or None,
            loaded_at=self.loaded_at,
            checked_at=self.checked_at,
            error=self.error,
            version=self.version,
            rule_names=self.current.names(),
            user_rule_names=self.user.names(),
        )
