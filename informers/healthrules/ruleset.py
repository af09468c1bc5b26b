"""Rule sets, the rules selected for one kind, and the full order of state evaluation.

Why select per kind: an informer evaluates every object of one kind, so the globs are
matched once per kind (``RuleSet.for_kind``, memoized) and each object only runs the
rules that can apply to it; a kind no rule matches costs nothing over the generic rules.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from informers import depth
from informers.healthrules.evaluate import ObjectFacts, RuleFailure, failure_status, run_rule
from informers.healthrules.model import Reconcile, Relation, Rule
from informers.healthrules.parse import RuleError, parse_rules_list
from informers.status import DEFAULT_FAILURE_REASONS, Status, compute_status

PACK_PACKAGE = "informers.healthrules.pack"


@dataclass(frozen=True, slots=True)
class KindRules:
    """The rules that apply to one group and kind, in order."""

    group: str
    kind: str
    rules: tuple[Rule, ...] = ()
    #: from the first matching rule that sets it; None: the engine's threshold applies
    stuck_after: float | None = None
    #: False when any matching rule says ``awaitController: false``
    await_controller: bool = True
    #: from the first matching rule that names one; None: crscope knows no such annotation
    reconcile: Reconcile | None = None
    #: every matching rule's relations, in rule order; a name given twice keeps the first
    relations: tuple[Relation, ...] = ()

    def evaluate(self, obj: Mapping[str, Any]) -> Status | None:
        """The first deciding rule's state; None when no rule decided. Never raises."""
        if not self.rules:
            return None
        facts = ObjectFacts(obj)
        for rule in self.rules:
            try:
                status = run_rule(rule, facts)
            except RuleFailure as exc:
                return failure_status(rule, str(exc))
            if status is not None:
                return status
        return None


@dataclass(frozen=True)
class RuleSet:
    """An ordered, immutable list of compiled rules (user rules before shipped ones)."""

    rules: tuple[Rule, ...] = ()
    _kinds: dict[tuple[str, str], KindRules] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def over(self, base: RuleSet) -> RuleSet:
        """``self`` first, then ``base`` without the rules whose names ``self`` reuses."""
        mine = {r.name for r in self.rules}
        return RuleSet(self.rules + tuple(r for r in base.rules if r.name not in mine))

    def for_kind(self, group: str, kind: str) -> KindRules:
        key = (group, kind)
        found = self._kinds.get(key)
        if found is not None:
            return found
        matching = tuple(r for r in self.rules if r.matches(group, kind))
        stuck = next((r.stuck_after for r in matching if r.stuck_after is not None), None)
        selected = KindRules(
            group=group,
            kind=kind,
            rules=matching,
            stuck_after=stuck,
            await_controller=not any(r.await_controller is False for r in matching),
            reconcile=next((r.reconcile for r in matching if r.reconcile is not None), None),
            relations=_relations(matching),
        )
        with self._lock:
            return self._kinds.setdefault(key, selected)

    def for_object(self, obj: Mapping[str, Any]) -> KindRules:
        """The rules for the object's own apiVersion and kind."""
        group, kind = group_kind(obj)
        return self.for_kind(group, kind)

    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.rules)


def _relations(rules: tuple[Rule, ...]) -> tuple[Relation, ...]:
    found: dict[str, Relation] = {}
    for rule in rules:
        for relation in rule.relations:
            found.setdefault(relation.name, relation)
    return tuple(found.values())


def parse_rules(text: str, *, source: str) -> RuleSet:
    """Parse and compile a rules file; raises ``RuleError`` (field, line, column)."""
    return RuleSet(parse_rules_list(text, source=source))


_shipped: RuleSet | None = None
_shipped_lock = threading.Lock()


def shipped_rules() -> RuleSet:
    """The shipped pack (``pack/*.yaml``, in file-name order), parsed once per process.

    A broken pack file is a bug in crscope, so it raises ``RuleError`` naming the file.
    """
    global _shipped
    with _shipped_lock:
        if _shipped is None:
            _shipped = _load_pack()
        return _shipped


def _load_pack() -> RuleSet:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    pack = resources.files(PACK_PACKAGE)
    for item in sorted(pack.iterdir(), key=lambda p: p.name):
        if not item.name.endswith((".yaml", ".yml")):
            continue
        source = f"pack/{item.name}"
        try:
            parsed = parse_rules_list(item.read_text(encoding="utf-8"), source=source)
        except RuleError as exc:
            raise RuleError(
                f"{source}: {exc.field}", exc.what, line=exc.line, column=exc.column
            ) from None
        for rule in parsed:
            if rule.name in seen:
                raise RuleError(source, f"rule {rule.name!r} is also in {seen[rule.name]}")
            seen[rule.name] = source
            rules.append(rule)
    return RuleSet(tuple(rules))


def group_kind(obj: Mapping[str, Any]) -> tuple[str, str]:
    """(group, kind) from ``apiVersion`` and ``kind``; "" for what is missing."""
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    group = ""
    if isinstance(api_version, str) and "/" in api_version:
        group = api_version.rsplit("/", 1)[0]
    return group, kind if isinstance(kind, str) else ""


def evaluate_status(
    obj: Mapping[str, Any],
    rules: KindRules | None,
    *,
    failure_reasons: frozenset[str] = DEFAULT_FAILURE_REASONS,
) -> Status:
    """The reconcile state in the documented order (docs/contracts.md): a deleting object is
    Terminating; then the kind's rules (user rules, then the shipped pack); then the generic
    rules. Never raises."""
    if (
        rules is None
        or not rules.rules
        or not isinstance(obj, Mapping)
        or isinstance(obj, depth.Truncated)
        or _deleting(obj)
    ):
        return compute_status(obj, failure_reasons=failure_reasons)
    decided = rules.evaluate(obj)
    if decided is not None:
        return decided
    return compute_status(obj, failure_reasons=failure_reasons)


def _deleting(obj: Mapping[str, Any]) -> bool:
    meta = obj.get("metadata")
    return isinstance(meta, Mapping) and bool(meta.get("deletionTimestamp"))
