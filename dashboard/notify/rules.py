"""The rules file: parsing and validation of rules and destinations.

Why "a bad rule never stops the others": the file is edited by hand and reloaded while the
server runs. Each rule and destination is validated on its own; an invalid one is left out
with an error naming it and the field at fault, and every valid one stays active. Only a
file that cannot be read as a whole (bad YAML, wrong top-level shape) is rejected, and then
the caller keeps the previous rule set.

The format is documented in docs/notifications.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import yaml

from dashboard.notify.destinations import BUILTIN_INBOX, INBOX, Destination, parse_destination
from dashboard.notify.fields import FieldError, Fields
from informers import Selector, SelectorError, State, parse_selector

_RULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHORTHANDS = ("stuck", "created", "deleted", "recovered", "event")
MAX_RULES = 1000
MISSING: Any = object()  # "no constraint" for a path trigger's from/to (None is a JSON value)


class RulesFileError(ValueError):
    """The file as a whole is unusable; the previous rules stay active."""


class TriggerType(StrEnum):
    STATE = "state"
    STUCK = "stuck"
    CREATED = "created"
    DELETED = "deleted"
    PATH = "path"
    EVENT = "event"


@dataclass(frozen=True)
class Trigger:
    type: TriggerType
    to_states: frozenset[State] = frozenset()
    from_states: frozenset[State] | None = None  # None: any previous state, or none
    path: str = ""  # a JSON pointer
    path_from: Any = MISSING
    path_to: Any = MISSING
    event_type: str = "Warning"
    reason: str = ""  # a glob on the Event's reason; empty means any

    def describe(self) -> str:
        if self.type is TriggerType.STATE:
            prefix = f"from {'/'.join(sorted(self.from_states))} " if self.from_states else ""
            return f"state {prefix}to {'/'.join(sorted(self.to_states))}"
        if self.type is TriggerType.PATH:
            parts = [f"{self.path} changes"]
            if self.path_from is not MISSING:
                parts.append(f"from {self.path_from!r}")
            if self.path_to is not MISSING:
                parts.append(f"to {self.path_to!r}")
            return " ".join(parts)
        if self.type is TriggerType.EVENT:
            return f"{self.event_type} event" + (f" {self.reason}" if self.reason else "")
        return str(self.type)


@dataclass(frozen=True)
class Match:
    """Empty tuples and None mean "any"; kinds, namespaces and name take shell globs."""

    kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    selector: Selector | None = None
    labels: str = ""
    name: str = ""


@dataclass(frozen=True)
class Rule:
    name: str
    match: Match
    trigger: Trigger
    destinations: tuple[str, ...] = (BUILTIN_INBOX,)
    debounce: float = 0.0
    group: bool = False
    description: str = ""

    def public(self) -> dict[str, Any]:
        m = self.match
        return {
            "name": self.name,
            "description": self.description,
            "trigger": self.trigger.type.value,
            "when": self.trigger.describe(),
            "kinds": list(m.kinds),
            "namespaces": list(m.namespaces),
            "labels": m.labels,
            "namePattern": m.name,
            "destinations": list(self.destinations),
            "debounceSeconds": self.debounce,
            "group": self.group,
        }


@dataclass(frozen=True)
class RuleError:
    """One rejected rule or destination: ``subject`` is "rule" or "destination"."""

    subject: str
    name: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.subject} {self.name!r}: {self.field}: {self.message}"

    def public(self) -> dict[str, str]:
        return {
            "subject": self.subject,
            "name": self.name,
            "field": self.field,
            "message": self.message,
            "text": str(self),
        }


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    destinations: Mapping[str, Destination] = field(default_factory=lambda: {BUILTIN_INBOX: INBOX})
    errors: tuple[RuleError, ...] = ()

    def with_trigger(self, *types: TriggerType) -> list[Rule]:
        return [r for r in self.rules if r.trigger.type in types]

    @cached_property
    def trigger_types(self) -> frozenset[TriggerType]:
        """Cheap to test on engine reader threads, before anything is enqueued."""
        return frozenset(r.trigger.type for r in self.rules)


def parse_rules(text: str) -> RuleSet:
    """A rule set from the file's text; raises RulesFileError only for an unusable file."""
    try:
        doc = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise RulesFileError(f"not valid YAML: {exc}") from exc
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise RulesFileError("the file must be a mapping with 'rules' and 'destinations'")
    unknown = sorted(str(k) for k in doc if k not in ("rules", "destinations"))
    if unknown:
        raise RulesFileError(f"unknown top-level field {unknown[0]!r}")
    raw_rules = doc.get("rules") or []
    raw_dests = doc.get("destinations") or []
    if not isinstance(raw_rules, list) or not isinstance(raw_dests, list):
        raise RulesFileError("'rules' and 'destinations' must be lists")
    if len(raw_rules) > MAX_RULES:
        raise RulesFileError(f"too many rules ({len(raw_rules)} > {MAX_RULES})")
    errors: list[RuleError] = []
    destinations = _destinations(raw_dests, errors)
    rules: list[Rule] = []
    names: set[str] = set()
    for index, raw in enumerate(raw_rules):
        label = _label(raw, f"#{index + 1}")
        try:
            rule = parse_rule(raw, destinations)
        except FieldError as exc:
            errors.append(RuleError("rule", label, exc.field, exc.message))
            continue
        if rule.name in names:
            errors.append(RuleError("rule", rule.name, "name", "duplicate rule name"))
            continue
        names.add(rule.name)
        rules.append(rule)
    return RuleSet(rules=tuple(rules), destinations=destinations, errors=tuple(errors))


def _destinations(raw_dests: list[Any], errors: list[RuleError]) -> dict[str, Destination]:
    found: dict[str, Destination] = {BUILTIN_INBOX: INBOX}
    declared: set[str] = set()
    for index, raw in enumerate(raw_dests):
        label = _label(raw, f"#{index + 1}")
        try:
            dest = parse_destination(raw)
        except FieldError as exc:
            errors.append(RuleError("destination", label, exc.field, exc.message))
            continue
        if dest.name in declared:
            errors.append(RuleError("destination", dest.name, "name", "duplicate name"))
            continue
        declared.add(dest.name)
        found[dest.name] = dest
    return found


def _label(raw: Any, fallback: str) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("name"), str) and raw["name"].strip():
        return str(raw["name"]).strip()
    return fallback


def parse_rule(raw: Any, destinations: Mapping[str, Destination]) -> Rule:
    f = Fields(raw, "")
    name = f.text("name")
    if not _RULE_NAME.match(name):
        raise FieldError("name", "use letters, digits, '.', '_' and '-' (at most 100)")
    match = _match(f.raw("match"))
    if not f.has("trigger"):
        raise FieldError("trigger", "is required")
    trigger = _trigger(f.raw("trigger"))
    targets = f.strings("destinations") or (BUILTIN_INBOX,)
    for target in targets:
        if target not in destinations:
            raise FieldError("destinations", f"unknown or invalid destination {target!r}")
    debounce = f.duration("debounce")
    group = f.flag("group")
    if group and debounce <= 0:
        raise FieldError("group", "grouping needs a debounce window (debounce: 30s, say)")
    description = f.text("description", default="")
    f.done()
    return Rule(
        name=name,
        match=match,
        trigger=trigger,
        destinations=tuple(targets),
        debounce=debounce,
        group=group,
        description=description,
    )


def _match(raw: Any) -> Match:
    if raw is None:
        return Match()
    f = Fields(raw, "match")
    kinds = f.strings("kinds")
    for kind in kinds:
        if "/" not in kind:
            raise FieldError(
                "match.kinds", f"{kind!r} must be group/plural, e.g. example.com/widgets"
            )
    namespaces = f.strings("namespaces")
    labels = f.text("labels", default="")
    try:
        selector = parse_selector(labels) if labels else None
    except SelectorError as exc:
        raise FieldError("match.labels", str(exc)) from exc
    name = f.text("name", default="")
    f.done()
    return Match(kinds=kinds, namespaces=namespaces, selector=selector, labels=labels, name=name)


def _trigger(raw: Any) -> Trigger:
    if isinstance(raw, str) and raw in _SHORTHANDS:
        raw = {raw: True}
    f = Fields(raw, "trigger")
    keys = [str(k) for k in f.value]
    if len(keys) != 1:
        raise FieldError(
            "trigger", "needs exactly one of state, recovered, stuck, created, deleted, path, event"
        )
    key = keys[0]
    value = f.raw(key)
    at = f.at(key)
    if key == "state":
        return _state_trigger(value, at)
    if key == "recovered":
        from_states = _flag_or_from(value, at)
        return Trigger(
            TriggerType.STATE,
            to_states=frozenset({State.CURRENT}),
            from_states=from_states or frozenset(set(State) - {State.CURRENT}),
        )
    if key in ("stuck", "created", "deleted"):
        if value is not True:
            raise FieldError(at, "must be true")
        return Trigger(TriggerType(key))
    if key == "path":
        return _path_trigger(value, at)
    if key == "event":
        return _event_trigger(value, at)
    raise FieldError(
        at, "unknown trigger; use state, recovered, stuck, created, deleted, path or event"
    )


def _states(value: Any, at: str) -> frozenset[State]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise FieldError(at, "must be a state or a list of states")
    states = set()
    for item in items:
        try:
            states.add(State(item))
        except ValueError:
            raise FieldError(
                at, f"unknown state {item!r} (expected {', '.join(s.value for s in State)})"
            ) from None
    return frozenset(states)


def _state_trigger(value: Any, at: str) -> Trigger:
    if isinstance(value, Mapping):
        f = Fields(value, at)
        if not f.has("to"):
            raise FieldError(f.at("to"), "is required")
        to_states = _states(f.raw("to"), f.at("to"))
        from_states = _states(f.raw("from"), f.at("from")) if f.has("from") else None
        f.done()
        return Trigger(TriggerType.STATE, to_states=to_states, from_states=from_states)
    return Trigger(TriggerType.STATE, to_states=_states(value, at))


def _flag_or_from(value: Any, at: str) -> frozenset[State] | None:
    if value is True:
        return None
    f = Fields(value, at)
    states = _states(f.raw("from"), f.at("from")) if f.has("from") else None
    f.done()
    return states


def _path_trigger(value: Any, at: str) -> Trigger:
    if isinstance(value, str):
        return Trigger(TriggerType.PATH, path=to_pointer(value, at))
    f = Fields(value, at)
    path = to_pointer(f.text("path"), f.at("path"))
    path_from = f.raw("from") if f.has("from") else MISSING
    path_to = f.raw("to") if f.has("to") else MISSING
    f.done()
    return Trigger(TriggerType.PATH, path=path, path_from=path_from, path_to=path_to)


def _event_trigger(value: Any, at: str) -> Trigger:
    if value is True:
        return Trigger(TriggerType.EVENT)
    f = Fields(value, at)
    event_type = f.text("type", default="Warning")
    if event_type not in ("Warning", "Normal"):
        raise FieldError(f.at("type"), "must be Warning or Normal")
    reason = f.text("reason", default="")
    f.done()
    return Trigger(TriggerType.EVENT, event_type=event_type, reason=reason)


_DOTTED_PART = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")


def to_pointer(text: str, at: str) -> str:
    """A JSON pointer from ``/status/phase`` (kept) or ``status.phase`` / ``.a.b[0].c``."""
    text = text.strip()
    if text.startswith("/"):
        return text
    body = text[2:] if text.startswith("$.") else text.lstrip(".")
    segments: list[str] = []
    position = 0
    while position < len(body):
        if body[position] == ".":
            position += 1
            continue
        found = _DOTTED_PART.match(body, position)
        if found is None:
            raise FieldError(at, f"{text!r} is not a JSON pointer (/a/b) or dotted path (a.b)")
        segment = found.group(1) if found.group(1) is not None else found.group(2)
        segments.append(segment.replace("~", "~0").replace("/", "~1"))
        position = found.end()
    if not segments:
        raise FieldError(at, "must name a field")
    return "/" + "/".join(segments)
