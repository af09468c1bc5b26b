"""The user's health rules file over the shipped pack: loaded at start, reloaded when it
changes, the last good rules kept (how and why: ``informers.watchedfile``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from informers.healthrules.parse import MAX_FILE_BYTES, RuleError
from informers.healthrules.ruleset import RuleSet, parse_rules, shipped_rules
from informers.watchedfile import WatchedFile

log = logging.getLogger(__name__)


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
        self.file = WatchedFile(
            path,
            lambda text: parse_rules(text, source=path),
            what="health rules",
            reload_seconds=reload_seconds,
            max_bytes=MAX_FILE_BYTES,
        )
        self._pack_error: str | None = None
        try:
            self.shipped = shipped_rules()
        except RuleError as exc:  # a crscope bug (the pack is tested): run on without it
            log.error("health rules: the shipped pack is broken, not using it: %s", exc)
            self.shipped = RuleSet()
            self._pack_error = f"shipped pack: {exc}"
        self.user = RuleSet()
        self.current = self.shipped

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def reload_seconds(self) -> float:
        return self.file.reload_seconds

    @property
    def error(self) -> str | None:
        return self.file.error or self._pack_error

    @property
    def loaded_at(self) -> float | None:
        return self.file.loaded_at

    def load(self) -> bool:
        """Read and parse the file now; True when a new rule set became active."""
        user = self.file.load()
        if user is None:
            return False
        self.user = user
        self.current = user.over(self.shipped)
        log.info("health rules: loaded %s rules from %s", len(user.rules), self.path)
        return True

    def maybe_reload(self, now: float | None = None) -> bool:
        """Reload when the file's mtime, size or inode changed since the last look."""
        return self.file.changed(now) and self.load()

    def status(self) -> HealthRulesStatus:
        return HealthRulesStatus(
            path=self.path or None,
            loaded_at=self.file.loaded_at,
            checked_at=self.file.checked_at,
            error=self.error,
            version=self.file.version,
            rule_names=self.current.names(),
            user_rule_names=self.user.names(),
        )
