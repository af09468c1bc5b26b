"""A compiled health rule and its cases: what ``parse`` builds and ``evaluate`` runs."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from informers.healthrules.expressions import WHOLE, Expression, Trie, merge_paths, names_in
from informers.healthrules.quick import false_if_null
from informers.redaction import Redactor
from informers.status import State

#: The default redaction rules (credential-like keys, the default pointers): what a rule
#: reads under them is never shown in "why this state", a message or a reason.
DEFAULT_REDACTOR = Redactor()


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
class Reconcile:
    """The annotation a kind's controller reads as "reconcile now", as its project documents.

    Why in the rule file: the health pack already holds what crscope knows of each
    project's controllers, and the detail page turns this into a ``kubectl annotate``
    command to copy (the dashboard itself never writes). ``value`` None means a new value
    each time (a timestamp), which is what Flux and External Secrets wait for.
    """

    annotation: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """A reference an object of the kind holds to another object, not an ownerReference.

    ``path`` leads to an object reference (``apiVersion``, ``kind``, ``name`` and, for a
    namespaced target in another namespace, ``namespace``) or to a list of them, as
    Crossplane's ``spec.resourceRef`` from a claim to its composite resource. Why a path
    and not CEL: every such reference projects use is a field at a fixed place.
    """

    name: str
    path: tuple[str, ...]


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
    #: the "reconcile now" annotation of the kind's controller, when the rule knows it
    reconcile: Reconcile | None = None
    relations: tuple[Relation, ...] = ()
    source: str = ""
    #: root variable -> the paths all of this rule's expressions select (see expressions.view)
    paths: Mapping[str, Trie] = field(default_factory=dict, compare=False)
    input_map: Mapping[str, Expression] = field(default_factory=dict, compare=False)
    #: (condition type, field): when that field of that condition is absent or null, no
    #: case of the rule holds, so it is not run at all (see ``guard_of``)
    guard: tuple[str, str] | None = field(default=None, compare=False)
    #: inputs whose value may be a secret (see ``reads_secret``): shown masked
    secret_inputs: frozenset[str] = field(default=frozenset(), compare=False)
    #: ids of the cases' ``message``/``reasonFrom`` expressions that may read a secret
    secret_texts: frozenset[int] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_map", dict(self.inputs))
        secret: set[str] = set()
        for name, expression in self.inputs:  # inputs may read earlier inputs only
            if reads_secret(expression, frozenset(secret)):
                secret.add(name)
        object.__setattr__(self, "secret_inputs", frozenset(secret))
        texts = (e for c in self.cases for e in (c.message, c.reason_from) if e is not None)
        secret_texts = frozenset(id(e) for e in texts if reads_secret(e, self.secret_inputs))
        object.__setattr__(self, "secret_texts", secret_texts)
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


def reads_secret(expression: Expression, secret_inputs: frozenset[str]) -> bool:
    """True when ``expression``'s value may be or hold a secret, judged once at load.

    Why statically: the deciding rule's inputs, message and reason are shown on pages,
    in the API and in notifications, which mask secrets everywhere else; redacting the
    object before every evaluation would cost more than the evaluation itself. Judged
    conservatively: a secret input used, the whole object used, a selected path under a
    secret node, or any name or string in the expression that looks like a credential key
    (``users[0].password`` is not a path this module follows, but it names ``password``).
    """
    if expression.variables & secret_inputs:
        return True
    for root, trie in expression.paths.items():
        if trie is WHOLE and root == "object":
            return True
        if root == "object" and _secret_path(trie, ()):
            return True
    return any(DEFAULT_REDACTOR.covers_json_path(name) for name in names_in(expression.source))


def _secret_path(trie: Trie, prefix: tuple[str, ...]) -> bool:
    for key, below in trie.items():
        path = (*prefix, key)
        if DEFAULT_REDACTOR.covers_json_path("." + ".".join(path)):
            return True
        if below and _secret_path(below, path):
            return True
    return False
