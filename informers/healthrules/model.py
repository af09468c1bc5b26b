"""A compiled health rule and its cases: what ``parse`` builds and ``evaluate`` runs."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from informers.healthrules.expressions import Expression, Trie, merge_paths
from informers.healthrules.quick import false_if_null
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
    #: (condition type, field): when that field of that condition is absent or null, no
    #: case of the rule holds, so it is not run at all (see ``guard_of``)
    guard: tuple[str, str] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_map", dict(self.inputs))
        object.__setattr__(self, "guard", guard_of(self))
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


def guard_of(rule: Rule) -> tuple[str, str] | None:
    """A condition field without which no case of ``rule`` holds, if there is one.

    Why: a rule that matches every kind (Crossplane's, which decides only for objects with
    a Synced condition) would otherwise run all its cases on every object of every kind.
    The field must be read by an input of the form ``conditions.Type.field`` (reading it
    cannot fail) and every case's ``when`` must be false, without error, when that input
    is null (``quick.false_if_null``); skipping the rule then gives what running it would.
    """
    if not rule.cases:
        return None
    names = frozenset.intersection(*(false_if_null(c.when.quick) for c in rule.cases))
    for name, expression in rule.inputs:
        if name not in names or expression.fast is None:
            continue
        root, path = expression.fast
        if root == "conditions" and len(path) == 2:
            return path[0], path[1]
    return None
