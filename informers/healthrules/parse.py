"""Reading a health rules file: YAML to compiled rules, every error with field and position.

Why compose YAML nodes instead of loading plain values: a person fixing a rule file needs
the line and column of the mistake, including one inside a CEL expression, and only the
node graph keeps the marks. Everything is checked and compiled here, once, so evaluation
never meets a rule it cannot run (apart from errors that depend on the object).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from informers.healthrules.expressions import (
    BUILTIN_VARIABLES,
    CompileError,
    Expression,
    compile_expression,
)
from informers.healthrules.model import Case, Reconcile, Relation, Rule
from informers.status import State

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 2 * 1024 * 1024
#: Why a bound: the CEL library parses and evaluates long operator chains (``1+1+…``,
#: ``object.a.a.…``) recursively in native code, and some 16,000 of them overflow the
#: thread's stack, which kills the whole process (not an exception). The longest shipped
#: expression has under 250 characters.
MAX_EXPRESSION_CHARS = 4096
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_TOP_KEYS = frozenset({"rules"})
_RULE_KEYS = frozenset(
    {"name", "match", "inputs", "cases", "stuckAfter", "awaitController", "reconcile", "relations"}
)
_RELATION_KEYS = frozenset({"name", "ref"})
_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_RECONCILE_KEYS = frozenset({"annotation", "value"})
#: a qualified annotation key: an optional DNS-subdomain prefix and a name (as the API checks)
_ANNOTATION_KEY = re.compile(
    r"^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_MATCH_KEYS = frozenset({"group", "kind"})
_CASE_KEYS = frozenset({"when", "state", "reason", "reasonFrom", "message"})
_STATES = ", ".join(s.value for s in State)


class RuleError(ValueError):
    """A rule file mistake, e.g. ``rules[2].cases[0].when: line 14, column 9: <what>``."""

    def __init__(
        self, field: str, what: str, *, line: int | None = None, column: int | None = None
    ) -> None:
        self.field = field
        self.what = what
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line is not None else ""
        prefix = f"{field}: " if field else ""
        super().__init__(f"{prefix}{where}{what}")


@dataclass(frozen=True, slots=True)
class _At:
    """A node and the field path that leads to it, for error messages."""

    node: yaml.Node
    field: str
    text: str

    def error(self, what: str, *, line_offset: int = 0, column: int | None = None) -> RuleError:
        mark = self.node.start_mark
        return RuleError(
            self.field,
            what,
            line=mark.line + 1 + line_offset,
            column=column if column is not None else mark.column + 1,
        )

    def child(self, node: yaml.Node, field: str) -> _At:
        return _At(node, field, self.text)


def parse_rules_list(text: str, *, source: str) -> tuple[Rule, ...]:
    """Parse and compile a rules file; raises ``RuleError`` at the first mistake."""
    if len(text) > MAX_FILE_BYTES:
        raise RuleError("", f"the file is larger than {MAX_FILE_BYTES} bytes")
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is None:
            raise RuleError("", f"not valid YAML: {problem}") from None
        raise RuleError(
            "", f"not valid YAML: {problem}", line=mark.line + 1, column=mark.column + 1
        ) from None
    if root is None:
        return ()
    top = _At(root, "", text)
    items = _mapping(top, _TOP_KEYS)
    rules_node = items.get("rules")
    if rules_node is None:
        return ()
    rules_at = top.child(rules_node, "rules")
    if isinstance(rules_node, yaml.ScalarNode) and rules_node.tag.endswith(":null"):
        return ()
    if not isinstance(rules_node, yaml.SequenceNode):
        raise rules_at.error("must be a list of rules")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for index, node in enumerate(rules_node.value):
        rule = _rule(rules_at.child(node, f"rules[{index}]"), source=source)
        if rule.name in seen:
            raise rules_at.child(node, f"rules[{index}].name").error(
                f"duplicate rule name {rule.name!r} (also {seen[rule.name]})"
            )
        seen[rule.name] = f"rules[{index}]"
        rules.append(rule)
    return tuple(rules)


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _pairs(
    at: _At,
    done: dict[int, list[tuple[yaml.Node, yaml.Node]]] | None = None,
    active: frozenset[int] = frozenset(),
) -> list[tuple[yaml.Node, yaml.Node]]:
    """A mapping's entries with YAML merge keys (``<<: *anchor``) expanded in place, as a
    YAML loader would: merged entries first, the mapping's own entries override them.

    Why ``done`` and ``active``: aliases let a short file merge one mapping many times
    over at every level (each level's expansion is computed once), or into itself (an
    error, not endless recursion)."""
    done = {} if done is None else done
    active = active | {id(at.node)}
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    own: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in at.node.value:
        if key.tag != _MERGE_TAG:
            own.append((key, value))
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise at.child(key, at.field).error("'<<' must merge a mapping")
            if id(source) in active:
                raise at.child(key, at.field).error("'<<' merges a mapping into itself")
            if id(source) not in done:
                done[id(source)] = _pairs(at.child(source, at.field), done, active)
            merged.extend(done[id(source)])
    names = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
    kept: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in merged:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name not in names:
            names.add(name)
            kept.append((key, value))
    return kept + own


def _mapping(at: _At, allowed: frozenset[str]) -> dict[str, yaml.Node]:
    if not isinstance(at.node, yaml.MappingNode):
        raise at.error("must be a mapping")
    found: dict[str, yaml.Node] = {}
    for key, value in _pairs(at):
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        field = f"{at.field}.{name}" if at.field else str(name)
        if name is None or name not in allowed:
            known = ", ".join(sorted(allowed))
            raise at.child(key, field).error(f"unknown field {name!r}; expected one of {known}")
        if name in found:
            raise at.child(key, field).error(f"{name!r} is given twice")
        found[name] = value
    return found


def _scalar(at: _At) -> str:
    if not isinstance(at.node, yaml.ScalarNode) or at.node.tag.endswith(":null"):
        raise at.error("must be a text value")
    return str(at.node.value)


def _required(items: dict[str, yaml.Node], key: str, at: _At) -> _At:
    node = items.get(key)
    if node is None:
        raise at.error(f"{key!r} is required")
    return at.child(node, f"{at.field}.{key}")


def _rule(at: _At, *, source: str) -> Rule:
    items = _mapping(at, _RULE_KEYS)
    name_at = _required(items, "name", at)
    name = _scalar(name_at).strip()
    if not name:
        raise name_at.error("must not be empty")
    group, kind = _match(_required(items, "match", at))
    inputs = _inputs(at.child(items["inputs"], f"{at.field}.inputs")) if "inputs" in items else ()
    known = BUILTIN_VARIABLES | {n for n, _ in inputs}
    cases_at = _required(items, "cases", at)
    if not isinstance(cases_at.node, yaml.SequenceNode) or not cases_at.node.value:
        raise cases_at.error("must be a non-empty list of cases")
    cases = tuple(
        _case(cases_at.child(node, f"{cases_at.field}[{i}]"), known)
        for i, node in enumerate(cases_at.node.value)
    )
    stuck_after = None
    if "stuckAfter" in items:
        stuck_after = _duration(at.child(items["stuckAfter"], f"{at.field}.stuckAfter"))
    await_controller = None
    if "awaitController" in items:
        await_controller = _bool(at.child(items["awaitController"], f"{at.field}.awaitController"))
    reconcile = None
    if "reconcile" in items:
        reconcile = _reconcile(at.child(items["reconcile"], f"{at.field}.reconcile"))
    relations: tuple[Relation, ...] = ()
    if "relations" in items:
        relations = _relations(at.child(items["relations"], f"{at.field}.relations"))
    return Rule(
        name=name,
        group=group,
        kind=kind,
        inputs=inputs,
        cases=cases,
        stuck_after=stuck_after,
        await_controller=await_controller,
        reconcile=reconcile,
        relations=relations,
        source=source,
    )


def _reconcile(at: _At) -> Reconcile:
    items = _mapping(at, _RECONCILE_KEYS)
    key_at = _required(items, "annotation", at)
    key = _scalar(key_at).strip()
    prefix = key.rpartition("/")[0]
    if not _ANNOTATION_KEY.match(key) or len(prefix) > 253:
        raise key_at.error(f"{key!r} is not an annotation key (e.g. example.com/reconcile)")
    value = None
    if "value" in items:
        value = _scalar(at.child(items["value"], f"{at.field}.value"))
    return Reconcile(annotation=key, value=value)


def _relations(at: _At) -> tuple[Relation, ...]:
    if not isinstance(at.node, yaml.SequenceNode):
        raise at.error("must be a list of {name, ref}")
    found: list[Relation] = []
    for i, node in enumerate(at.node.value):
        item = at.child(node, f"{at.field}[{i}]")
        items = _mapping(item, _RELATION_KEYS)
        name_at = _required(items, "name", item)
        name = _scalar(name_at).strip()
        if not name:
            raise name_at.error("must not be empty")
        if any(r.name == name for r in found):
            raise name_at.error(f"duplicate relation name {name!r}")
        ref_at = _required(items, "ref", item)
        ref = _scalar(ref_at).strip()
        if not _FIELD_PATH.match(ref):
            raise ref_at.error(f"{ref!r} is not a field path (e.g. spec.resourceRef)")
        found.append(Relation(name=name, path=tuple(ref.split("."))))
    return tuple(found)


def _match(at: _At) -> tuple[str, str]:
    items = _mapping(at, _MATCH_KEYS)
    if not items:
        raise at.error("give group, kind or both")
    group = _scalar(at.child(items["group"], f"{at.field}.group")) if "group" in items else "*"
    kind = _scalar(at.child(items["kind"], f"{at.field}.kind")) if "kind" in items else "*"
    return group.strip(), kind.strip()


def _inputs(at: _At) -> tuple[tuple[str, Expression], ...]:
    if isinstance(at.node, yaml.ScalarNode) and at.node.tag.endswith(":null"):
        return ()
    if not isinstance(at.node, yaml.MappingNode):
        raise at.error("must be a mapping of name: CEL expression")
    found: list[tuple[str, Expression]] = []
    for key, value in _pairs(at):
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        key_at = at.child(key, f"{at.field}.{name}")
        if not _IDENT.match(str(name)):
            raise key_at.error(f"input name {name!r} must be an identifier (letters, digits, _)")
        if name in BUILTIN_VARIABLES:
            raise key_at.error(f"input name {name!r} is a built-in variable")
        if any(name == n for n, _ in found):
            raise key_at.error(f"input {name!r} is given twice")
        known = BUILTIN_VARIABLES | {n for n, _ in found}
        found.append((name, _expression(at.child(value, f"{at.field}.{name}"), known)))
    return tuple(found)


def _case(at: _At, known: frozenset[str] | set[str]) -> Case:
    items = _mapping(at, _CASE_KEYS)
    when = _expression(_required(items, "when", at), known)
    state_at = _required(items, "state", at)
    text = _scalar(state_at).strip()
    try:
        state = State(text)
    except ValueError:
        raise state_at.error(f"unknown state {text!r}; use one of {_STATES}") from None
    reason = _scalar(_required(items, "reason", at)).strip()
    reason_from = message = None
    if "reasonFrom" in items:
        reason_from = _expression(at.child(items["reasonFrom"], f"{at.field}.reasonFrom"), known)
    if "message" in items:
        message = _expression(at.child(items["message"], f"{at.field}.message"), known)
    return Case(when=when, state=state, reason=reason, reason_from=reason_from, message=message)


def _expression(at: _At, known: frozenset[str] | set[str]) -> Expression:
    source = _scalar(at)
    if len(source) > MAX_EXPRESSION_CHARS:
        raise at.error(
            f"CEL: the expression has {len(source)} characters; at most "
            f"{MAX_EXPRESSION_CHARS} are allowed"
        )
    try:
        expression = compile_expression(source)
    except RecursionError:  # e.g. thousands of '!' for the Python evaluator's parser
        raise at.error("CEL: the expression is nested too deeply") from None
    except CompileError as exc:
        if exc.line is None or exc.column is None:
            raise at.error(f"CEL: {exc.message}") from None
        line_offset, column = _position(at, exc.line, exc.column)
        raise at.error(f"CEL: {exc.message}", line_offset=line_offset, column=column) from None
    unknown = sorted(expression.variables - set(known))
    if unknown:
        names = ", ".join(sorted(known))
        raise at.error(f"CEL: unknown name {unknown[0]!r}; known here: {names}")
    return expression


def _position(at: _At, line: int, column: int) -> tuple[int, int]:
    """Map a (1-based) position inside the expression to (line offset, column) in the file.

    Exact for plain and quoted one-line scalars; for block scalars (``|``, ``>``) the line is
    found from the content's indentation, which is exact for ``|`` and close for ``>``.
    """
    node = at.node
    mark = node.start_mark
    style = getattr(node, "style", None)
    if style in ("|", ">"):
        lines = at.text.splitlines()
        target = mark.line + line  # the block's content starts on the line after the mark
        if target < len(lines):
            body = lines[target]
            indent = len(body) - len(body.lstrip(" "))
            return line, indent + column
        return line, column
    quote = 1 if style in ("'", '"') else 0
    if line == 1:
        return 0, mark.column + 1 + quote + column - 1
    return line - 1, column


def _duration(at: _At) -> float:
    text = _scalar(at)
    found = _DURATION.match(text)
    if found is None:
        raise at.error(f"{text!r} is not a duration; write e.g. 90s, 10m or 2h")
    seconds = float(found.group(1)) * _UNITS[found.group(2)]
    if not math.isfinite(seconds) or seconds <= 0:
        raise at.error("must be greater than zero")
    return seconds


def _bool(at: _At) -> bool:
    text = _scalar(at).strip().lower()
    if text in ("true", "yes", "on"):
        return True
    if text in ("false", "no", "off"):
        return False
    raise at.error(f"{text!r} is not true or false")
