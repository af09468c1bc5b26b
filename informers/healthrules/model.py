"""A compiled health rule and its cases: what ``parse`` builds and ``evaluate`` runs."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from informers.healthrules.expressions import Expression, Trie, merge_paths
from informers.status import State


@dataclass(frozen=True, slots=True)
class Case:
    when: Expression
    state: State
    reason: str
    reason_from: Expression | None = None
    message: Expression | None = None

    def expressions(self) -> tuple[Expression, ...]:
        return tuple(e for e in (self.when, self.reason_from, self.message) if e is not None)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    group: str
    kind: str
    inputs: tuple[tuple[str, Expression], ...]
    cases: tuple[Case, ...]
    stuck_after: float | None = None
    #: None when the rule does not say (the default, True, applies)
    await_controller: bool | None = None
    source: str = ""
    #: root variable -> the paths all of this rule's expressions select (see expressions.view)
    paths: Mapping[str, Trie] = field(default_factory=dict, compare=False)
    input_map: Mapping[str, Expression] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_map", dict(self.inputs))
        merged: dict[str, Trie] = {}
        for expression in self.expressions():
            if expression.fast is None:  # fast paths are read in Python, not through CEL
                merge_paths(merged, expression.paths)
        object.__setattr__(self, "paths", merged)

    def expressions(self) -> tuple[Expression, ...]:
        return tuple(e for _, e in self.inputs) + tuple(
            e for c in self.cases for e in c.expressions()
        )

    def matches(self, group: str, kind: str) -> bool:
        return fnmatch.fnmatchcase(group, self.group) and fnmatch.fnmatchcase(kind, self.kind)

    def describe(self) -> dict[str, Any]:
        """A plain summary for the API and the UI."""
        return {
            "name": self.name,
            "group": self.group,
            "kind": self.kind,
            "source": self.source,
            "stuckAfter": self.stuck_after,
            "awaitController": self.await_controller,
        }
