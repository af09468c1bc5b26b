"""Running one rule on one object: inputs, then the cases in order, never raising.

Why so defensive: the objects are whatever the cluster holds, and the rules are whatever
a user wrote. A field that is missing is normal (an input reads it as null); anything else
that goes wrong (a type error, a bad function call, the cost bound) is the rule's fault on
this object and becomes an Unknown state that names the rule and the error, never an
exception in the engine's reader thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import cel

from informers.healthrules.expressions import (
    COST_LIMIT,
    Expression,
    ViewError,
    measure,
    values_over,
    view,
)
from informers.healthrules.model import DEFAULT_REDACTOR, Case, Rule
from informers.healthrules.quick import Unsure
from informers.redaction import REDACTED
from informers.status import MAX_INPUT_CHARS, State, Status, bounded_status, shorten

RULE_ERROR = "RuleError"
#: Errors that mean "a field or map key (or list index) is not there": lenient places
#: read them as null.
_MISSING = (KeyError, IndexError)


class RuleFailure(Exception):
    """This rule cannot decide this object; the message says why."""


class ObjectFacts:
    """What every rule reads from one object, computed at most once per evaluation."""

    __slots__ = ("_conditions", "generation", "obj")

    def __init__(self, obj: Mapping[str, Any]) -> None:
        self.obj = obj
        meta = obj.get("metadata")
        self.generation = meta.get("generation") if isinstance(meta, Mapping) else None
        self._conditions: dict[str, Mapping[str, Any]] | None = None

    def conditions(self) -> dict[str, Mapping[str, Any]]:
        """Conditions by type, the first of each; entries without a string type skipped."""
        if self._conditions is None:
            status = self.obj.get("status")
            raw = status.get("conditions") if isinstance(status, Mapping) else None
            found: dict[str, Mapping[str, Any]] = {}
            if isinstance(raw, list):
                for c in raw:
                    if isinstance(c, Mapping) and isinstance(c.get("type"), str):
                        found.setdefault(c["type"], c)
            self._conditions = found
        return self._conditions


class _Missing(Exception):
    """A fast path met a missing field (what CEL reports as a KeyError)."""


class _Env:
    """The variables of one rule on one object, and the CEL context made from them lazily.

    Why lazily: converting values into CEL costs microseconds each, and most rules read
    their inputs by plain paths (done in Python) and compare them in ``when``; the object
    itself is converted only if some expression uses it other than as a plain path.
    """

    __slots__ = ("_context", "_sent", "_size", "_values", "_viewed", "facts", "rule")

    def __init__(self, rule: Rule, facts: ObjectFacts) -> None:
        self.rule = rule
        self.facts = facts
        self._values: dict[str, Any] = {"generation": facts.generation}
        self._context: Any = None
        self._sent = 0  # how many of _values the CEL context has (they keep their order)
        self._size = 0
        self._viewed: int | None = None  # values in the object's views (see _quick_size)

    def value(self, name: str) -> Any:
        """A variable's value; an input is evaluated when it is first read (so a case that
        only needs one input of six does not pay for the others)."""
        values = self._values
        if name in values:
            return values[name]
        expression = self.rule.input_map.get(name)
        if expression is None:
            raise KeyError(name)
        fast = expression.fast
        if fast is None:
            value = _lenient(expression, self)
        elif fast[0] == "conditions" and len(fast[1]) == 2:
            # the commonest input of all, ``conditions.Type.field``: cannot fail
            conditions = self.facts._conditions
            if conditions is None:
                conditions = self.facts.conditions()
            found = conditions.get(fast[1][0])
            value = None if found is None else found.get(fast[1][1])
        else:  # a plain path: read it without the general machinery
            try:
                value = self.select(*fast)
            except (_Missing, *_MISSING):
                value = None
            except TypeError as exc:
                raise RuleFailure(f"{expression.source!r}: {_describe(exc)}") from None
        values[name] = value
        return value

    def run(self, expression: Expression) -> Any:
        if expression.fast is not None:
            return self.select(*expression.fast)
        if expression.quick is not None:
            if expression.comprehensions and values_over(expression, self._quick_size(expression)):
                raise RuleFailure(_over_cost(expression, self._quick_size(expression)))
            try:
                return expression.quick(self)
            except Unsure:
                pass  # the real CEL program decides
        for name in expression.variables:
            if name in self.rule.input_map:
                self.value(name)
        context = self._ready()
        if values_over(expression, self._size):
            raise RuleFailure(_over_cost(expression, self._size))
        return expression.run(context)

    def _quick_size(self, expression: Expression) -> int:
        """The values an expression run in Python can read, counted as for CEL (the
        object's views and the inputs it uses), so the cost bound is the same either way."""
        if self._viewed is None:
            paths = self.rule.paths
            data: dict[str, Any] = {}
            if "object" in paths:
                data["object"] = view(self.facts.obj, paths["object"])
            if "conditions" in paths:
                data["conditions"] = view(self.facts.conditions(), paths["conditions"])
            self._viewed = measure(data, limit=COST_LIMIT)
        size = self._viewed
        for name in expression.variables:
            if name in self.rule.input_map:
                size += measure(self.value(name), limit=COST_LIMIT)
        return size

    def select(self, root: str, path: tuple[str, ...]) -> Any:
        """A name and its field selections, read in Python as CEL would read them."""
        if root == "object":
            node: Any = self.facts.obj
        elif root == "conditions":
            node = self.facts._conditions
            if node is None:
                node = self.facts.conditions()
        else:
            node = self.value(root)
        for step in path:
            if node is None:
                raise _Missing(step)
            if type(node) is not dict and not isinstance(node, Mapping):
                raise TypeError(f"type error: cannot read field {step!r} of a {_type_name(node)}")
            if step not in node:
                raise _Missing(step)
            node = node[step]
        return node

    def _ready(self) -> Any:
        pending = dict(list(self._values.items())[self._sent :])
        self._sent = len(self._values)
        if self._context is None:
            paths = self.rule.paths
            if "object" in paths:
                pending["object"] = view(self.facts.obj, paths["object"])
            if "conditions" in paths:
                pending["conditions"] = view(self.facts.conditions(), paths["conditions"])
        if not pending:
            return self._context
        self._size += measure(pending, limit=1 << 62)
        if self._context is None:
            self._context = cel.Context(pending)
        else:
            self._context.update(pending)
        return self._context


def _over_cost(expression: Expression, values: int) -> str:
    return f"cost limit: {expression.source!r} may not run on data of {values} values"


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, bool):
        return "bool"
    return type(value).__name__


def run_rule(rule: Rule, facts: ObjectFacts) -> Status | None:
    """The rule's verdict on the object, or None when none of its cases holds.

    Raises ``RuleFailure`` (only that) when the rule errs on this object.
    """
    try:
        return _run(rule, facts)
    except RuleFailure:
        raise
    except ViewError as exc:
        raise RuleFailure(str(exc)) from None
    except Exception as exc:
        raise RuleFailure(_describe(exc)) from None
    except BaseException as exc:  # a panic in the CEL extension (pyo3 PanicException)
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise RuleFailure(f"the CEL library failed: {_describe(exc)}") from None


def _run(rule: Rule, facts: ObjectFacts) -> Status | None:
    if rule.guard is not None:
        kind, name = rule.guard
        condition = facts.conditions().get(kind)
        if condition is None or condition.get(name) is None:
            return None  # no case can hold (see ``model.guard_of``)
    env = _Env(rule, facts)
    for case in rule.cases:
        if _holds(case.when, env):
            # the deciding rule's inputs are all read: they are the "why"
            inputs = tuple([(name, _shown_input(rule, name, env)) for name, _ in rule.inputs])
            return _decide(rule, case, env, inputs)
    return None


def _lenient(expression: Expression, env: _Env) -> Any:
    try:
        return env.run(expression)
    except (_Missing, *_MISSING):
        return None
    except RuleFailure:
        raise
    except Exception as exc:
        raise RuleFailure(f"{expression.source!r}: {_describe(exc)}") from None


def _holds(expression: Expression, env: _Env) -> bool:
    """A `when`: true, false, or null (false). A missing field makes it false."""
    try:
        result = env.run(expression)
    except (_Missing, *_MISSING):
        return False
    except RuleFailure:
        raise
    except Exception as exc:
        raise RuleFailure(f"when {expression.source!r}: {_describe(exc)}") from None
    if result is None or result is False:
        return False
    if result is True:
        return True
    raise RuleFailure(f"when {expression.source!r} gave {_type_name(result)}, not true or false")


def _decide(rule: Rule, case: Case, env: _Env, inputs: tuple[tuple[str, Any], ...]) -> Status:
    reason = case.reason
    if case.reason_from is not None:
        read = _text(_lenient(case.reason_from, env))
        reason = REDACTED if read and id(case.reason_from) in rule.secret_texts else read or reason
    message = ""
    if case.message is not None:
        message = _text(_lenient(case.message, env))
        if message and id(case.message) in rule.secret_texts:
            message = REDACTED
    return bounded_status(
        case.state, reason, message, rule=rule.name, inputs=inputs, when=case.when.source
    )


def failure_status(rule: Rule, error: str) -> Status:
    return bounded_status(State.UNKNOWN, RULE_ERROR, f"{rule.name}: {error}", rule=rule.name)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _json(value)


def _shown_input(rule: Rule, name: str, env: _Env) -> Any:
    """An input as "why this state" shows it: masked when it may be a secret (see
    ``model.reads_secret``), containers with their secret keys masked."""
    value = env.value(name)
    if value is not None and name in rule.secret_inputs:
        return REDACTED
    if not isinstance(value, dict | list):
        return _shown(value)
    text = _json(value)
    if _MAY_HOLD_SECRET.search(text):
        text = _json(DEFAULT_REDACTOR.redact(value))
    return shorten(text, MAX_INPUT_CHARS)


#: Text without any of these cannot hold what the redactor masks (a credential-like key or
#: pair name, the masked annotation, a URL's userinfo, a query value): a container whose
#: JSON has none is shown as it is, without walking it (most are lists of conditions).
_MAY_HOLD_SECRET = re.compile(
    r"(?i:passw|token|secret|key|credential|last-applied)|://|[?&;][^=\s\"]+="
)


def _shown(value: Any) -> Any:
    """An input's value as a JSON scalar (containers and long texts shortened)."""
    kind = type(value)
    if kind is str and len(value) <= MAX_INPUT_CHARS:
        return value
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else _json(value)
    return shorten(text, MAX_INPUT_CHARS)


def _json(value: Any) -> str:
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return repr(value)[:MAX_INPUT_CHARS]


def _describe(exc: BaseException) -> str:
    """The library's message, first sentence only (its advice is for programmers)."""
    text = str(exc).strip() or type(exc).__name__
    first = text.split("\n", 1)[0]
    if first.startswith("No such overload"):
        return "type error: the operation is not defined for these value types"
    return first[:300]
