"""What the engine watches and how: kind filters, namespaces, list mode, thresholds.

Why a plain dataclass with an environment loader: the dashboard, the benchmarks and the
tests all build engines, and each wants a different subset; the environment variables are
the documented contract for production (see README).

This is one of the engine's two settings modules (with ``informers.config``, the cluster
connection): no other engine module reads the environment. ``from_env`` reads every field
from the mapping it is given, so a caller's mapping is the whole truth.
"""

from __future__ import annotations

import fnmatch
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from informers.reflector import ListMode
from informers.status import DEFAULT_FAILURE_REASONS

EventScope = Literal["all", "namespaces", "off"]


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def _stuck_after(raw: str | None, default: float = 600.0) -> float:
    """CRSCOPE_STUCK_AFTER_SECONDS: a finite number of seconds above zero; anything else
    (empty, words, zero, negative, nan, inf) gives ``default``."""
    try:
        value = float(raw or "")
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


@dataclass(frozen=True)
class EngineSettings:
    """Include/exclude lists take shell patterns: ``*.example.com``, ``Widget``."""

    include_groups: tuple[str, ...] = ()
    exclude_groups: tuple[str, ...] = ()
    include_kinds: tuple[str, ...] = ()
    exclude_kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    exclude_namespaces: tuple[str, ...] = ()
    list_mode: ListMode = "auto"
    events: EventScope = "all"
    stuck_after: float = 600.0
    stuck_after_by_kind: Mapping[str, float] = field(default_factory=dict)
    failure_reasons: frozenset[str] = DEFAULT_FAILURE_REASONS
    read_timeout: float = 100.0
    metadata_only_kinds: tuple[str, ...] = ()
    #: CRSCOPE_KIND_FAILURE_GRACE: seconds a kind may fail with 403, 404 or a conversion
    #: error before readiness stops waiting for it (it is then reported as unavailable).
    failure_grace: float = 30.0
    #: CRSCOPE_HEALTH_RULES: path of the user's health rules YAML ("" for none); polled for
    #: changes every ``health_rules_reload_seconds`` (see informers.healthrules.source).
    health_rules_path: str = ""
    health_rules_reload_seconds: float = 5.0
    #: Set by the engine: a kind's ``stuckAfter`` from its health rules, or None.
    rule_stuck_after: Callable[[str], float | None] | None = field(
        default=None, compare=False, repr=False
    )

    def metadata_only(self, *, group: str, kind: str, plural: str) -> bool:
        """Kinds matched by name or ``group/plural`` are cached as metadata only."""
        return any(
            fnmatch.fnmatchcase(kind, p) or fnmatch.fnmatchcase(f"{group}/{plural}", p)
            for p in self.metadata_only_kinds
        )

    def watches(self, *, group: str, kind: str) -> bool:
        def hit(patterns: tuple[str, ...], value: str) -> bool:
            return any(fnmatch.fnmatchcase(value, p) for p in patterns)

        if self.include_groups and not hit(self.include_groups, group):
            return False
        if self.include_kinds and not hit(self.include_kinds, kind):
            return False
        return not (hit(self.exclude_groups, group) or hit(self.exclude_kinds, kind))

    def stuck_threshold(self, kind_key: str) -> float:
        """Seconds after which an InProgress or Terminating object of the kind is stuck:
        CRSCOPE_STUCK_AFTER_BY_KIND first, then the kind's health rule (``stuckAfter``),
        then CRSCOPE_STUCK_AFTER_SECONDS."""
        explicit = self.stuck_after_by_kind.get(kind_key)
        if explicit is not None:
            return explicit
        if self.rule_stuck_after is not None:
            from_rule = self.rule_stuck_after(kind_key)
            if from_rule is not None:
                return from_rule
        return self.stuck_after

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EngineSettings:
        env = os.environ if env is None else env
        per_kind: dict[str, float] = {}
        for item in _split(env.get("CRSCOPE_STUCK_AFTER_BY_KIND")):
            kind, _, seconds = item.partition("=")
            try:
                per_kind[kind.strip()] = float(seconds)
            except ValueError:
                continue
        try:
            grace = max(0.0, float(env.get("CRSCOPE_KIND_FAILURE_GRACE", "30")))
        except ValueError:
            grace = 30.0
        mode = env.get("CRSCOPE_LIST_MODE", "auto")
        events = env.get("CRSCOPE_EVENTS", "all")
        return cls(
            include_groups=_split(env.get("CRSCOPE_INCLUDE_GROUPS")),
            exclude_groups=_split(env.get("CRSCOPE_EXCLUDE_GROUPS")),
            include_kinds=_split(env.get("CRSCOPE_INCLUDE_KINDS")),
            exclude_kinds=_split(env.get("CRSCOPE_EXCLUDE_KINDS")),
            namespaces=_split(env.get("CRSCOPE_NAMESPACES")),
            exclude_namespaces=_split(env.get("CRSCOPE_EXCLUDE_NAMESPACES")),
            list_mode=mode if mode in ("auto", "stream", "paged") else "auto",  # type: ignore[arg-type]
            events=events if events in ("all", "namespaces", "off") else "all",  # type: ignore[arg-type]
            stuck_after=_stuck_after(env.get("CRSCOPE_STUCK_AFTER_SECONDS")),
            stuck_after_by_kind=per_kind,
            metadata_only_kinds=_split(env.get("CRSCOPE_METADATA_ONLY_KINDS")),
            failure_grace=grace,
            health_rules_path=env.get("CRSCOPE_HEALTH_RULES", "").strip(),
        )
