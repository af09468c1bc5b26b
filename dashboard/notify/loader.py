"""The notification rules file: loaded at start, reloaded when it changes, the last good
set kept (how and why: ``informers.watchedfile``)."""

from __future__ import annotations

import logging
from typing import Any

from dashboard.notify.rules import RuleSet, parse_rules
from informers import WatchedFile

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 2 * 1024 * 1024


class RulesSource:
    """The active RuleSet (swapped atomically) plus what the last load attempt found."""

    def __init__(self, path: str, *, reload_seconds: float = 5.0) -> None:
        self.file = WatchedFile(
            path,
            parse_rules,
            what="notify",
            reload_seconds=reload_seconds,
            max_bytes=MAX_FILE_BYTES,
        )
        self.current = RuleSet()

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def file_error(self) -> str | None:
        return self.file.error

    @property
    def loaded_at(self) -> float | None:
        return self.file.loaded_at

    @property
    def checked_at(self) -> float | None:
        return self.file.checked_at

    @property
    def version(self) -> int:
        return self.file.version

    def load(self) -> bool:
        """Read and parse the file now; True when a new rule set became active."""
        rules = self.file.load()
        if rules is None:
            return False
        self.current = rules
        log.info(
            "notify: loaded %s rules and %s destinations from %s",
            len(rules.rules),
            len(rules.destinations),
            self.path,
        )
        for error in rules.errors:
            log.warning("notify: %s", error)
        return True

    def maybe_reload(self, now: float | None = None) -> bool:
        """Reload when the file's mtime, size or inode changed since the last look."""
        return self.file.changed(now) and self.load()

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
