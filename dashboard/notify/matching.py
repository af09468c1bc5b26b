"""Which rules fire for a change, an Event, or an object that just became stuck.

Why pure functions over plain data: the same code answers the live pipeline and the API's
"test a sample" endpoint, and is unit-tested without a cluster. A ``Hit`` carries
everything the outbox stores about one occurrence, including its deterministic id: the
same transition seen by two replicas yields the same id, so the database keeps it once.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.auth.redactor import redactor
from dashboard.core.rules.why import shown_inputs, why_text
from dashboard.notify.rules import MISSING, Match, Rule, Trigger, TriggerType
from informers import Change, ChangeType, Entry, EventRecord, Status, split_pointer


@dataclass(frozen=True)
class Hit:
    """One rule firing for one object."""

    rule: Rule
    oid: str
    kind: str  # group/plural
    api_version: str
    kind_name: str
    namespace: str
    name: str
    uid: str
    observed: float
    old_state: str = ""
    old_reason: str = ""
    new_state: str = ""
    new_reason: str = ""
    message: str = ""
    changed_paths: tuple[str, ...] = ()
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def trigger(self) -> TriggerType:
        return self.rule.trigger.type

    @property
    def group_key(self) -> str:
        """Occurrences sharing this key within a rule's debounce window become one message."""
        return self.rule.name if self.rule.group else f"{self.rule.name}|{self.uid}"


def occurrence_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def matches(
    match: Match, *, kind: str, namespace: str | None, name: str, labels: Mapping[str, str]
) -> bool:
    if match.kinds and not any(fnmatch.fnmatchcase(kind, k) for k in match.kinds):
        return False
    if match.namespaces and (
        namespace is None or not any(fnmatch.fnmatchcase(namespace, n) for n in match.namespaces)
    ):
        return False
    if match.name and not fnmatch.fnmatchcase(name, match.name):
        return False
    return match.selector is None or match.selector.matches(labels)


def _entry_matches(rule: Rule, kind: str, entry: Entry) -> bool:
    return matches(
        rule.match, kind=kind, namespace=entry.namespace, name=entry.name, labels=entry.labels
    )


def match_change(rules: Iterable[Rule], change: Change) -> list[Hit]:
    """Hits for a real transition; the start-up list (``initial``) never fires."""
    if change.initial:
        return []
    hits = []
    for rule in rules:
        if not _entry_matches(rule, change.kind, change.entry):
            continue
        hit = _change_hit(rule, change)
        if hit is not None:
            hits.append(hit)
    return hits


def _change_hit(rule: Rule, change: Change) -> Hit | None:
    trigger = rule.trigger
    old, new, entry = change.old, change.new, change.entry
    kind = trigger.type
    if kind is TriggerType.CREATED and change.type is ChangeType.ADDED:
        return _hit(
            rule,
            change.kind,
            entry,
            change.observed,
            (entry.uid, "created"),
            old=None,
            new=new,
            paths=(),
        )
    if kind is TriggerType.DELETED and change.type is ChangeType.DELETED:
        return _hit(
            rule,
            change.kind,
            entry,
            change.observed,
            (entry.uid, "deleted"),
            old=old,
            new=None,
            paths=(),
            detail={"tombstone": change.tombstone},
        )
    if kind is TriggerType.STATE and new is not None and _state_fires(trigger, old, new):
        return _hit(
            rule,
            change.kind,
            new,
            change.observed,
            (new.uid, new.resource_version, "state"),
            old=old,
            new=new,
            paths=change.changed_paths,
            detail=why_detail(new.status),
        )
    if kind is TriggerType.PATH and old is not None and new is not None:
        values = path_change(trigger, old.obj, new.obj)
        if values is not None:
            return _hit(
                rule,
                change.kind,
                new,
                change.observed,
                (new.uid, new.resource_version, "path"),
                old=old,
                new=new,
                paths=change.changed_paths,
                detail=values,
            )
    return None


def why_detail(status: Status) -> dict[str, Any]:
    """The rule behind a new state, for the stored occurrence (so a retry or another
    replica sends the same words): empty when no rule decided."""
    if not status.rule:
        return {}
    return {
        "why": {
            "rule": status.rule,
            "when": status.when,
            "inputs": shown_inputs(status),
            "text": why_text(status),
        }
    }


def _state_fires(trigger: Trigger, old: Entry | None, new: Entry) -> bool:
    state = new.status.state
    if state not in trigger.to_states:
        return False
    if old is not None and old.status.state == state:
        return False  # not a transition: the state only stayed in the set
    if trigger.from_states is None:
        return True
    return old is not None and old.status.state in trigger.from_states


def path_change(
    trigger: Trigger, old: Mapping[str, Any], new: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``{"path", "old", "new"}`` (redacted) when the watched value changed as required."""
    before, after = resolve(old, trigger.path), resolve(new, trigger.path)
    if _same(before, after):
        return None
    if trigger.path_from is not MISSING and not _same(before, trigger.path_from):
        return None
    if trigger.path_to is not MISSING and not _same(after, trigger.path_to):
        return None
    return {
        "path": trigger.path,
        "old": None if before is MISSING else _shown(trigger.path, before, old, new),
        "new": None if after is MISSING else _shown(trigger.path, after, old, new),
    }


def _shown(path: str, value: Any, *roots: Mapping[str, Any]) -> Any:
    return redactor.redact_change_value(path, value, roots=roots)


def resolve(obj: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or MISSING."""
    current = obj
    for token in split_pointer(pointer):
        if isinstance(current, Mapping) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return MISSING
    return current


def _same(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b  # JSON semantics: true is not 1
    return bool(a == b)


def match_stuck(rules: Iterable[Rule], kind: str, entry: Entry, now: float) -> list[Hit]:
    """Hits for an object the scanner found newly stuck (by the passage of time)."""
    return [
        _hit(
            rule,
            kind,
            entry,
            now,
            (entry.uid, entry.resource_version, "stuck"),
            old=entry,
            new=entry,
            paths=(),
            detail={"since": entry.since, "stuck_for": round(now - entry.since, 1)},
        )
        for rule in rules
        if rule.trigger.type is TriggerType.STUCK and _entry_matches(rule, kind, entry)
    ]


def match_event(rules: Iterable[Rule], record: EventRecord, entry: Entry | None) -> list[Hit]:
    """Hits for a Kubernetes Event; labels come from the cached object when it is known."""
    labels = entry.labels if entry is not None else {}
    hits = []
    for rule in rules:
        trigger = rule.trigger
        if trigger.type is not TriggerType.EVENT or record.type != trigger.event_type:
            continue
        if trigger.reason and not fnmatch.fnmatchcase(record.reason, trigger.reason):
            continue
        if rule.match.selector is not None and entry is None:
            continue
        if not matches(
            rule.match,
            kind=record.kind,
            namespace=record.namespace,
            name=record.name,
            labels=labels,
        ):
            continue
        hits.append(_event_hit(rule, record, entry))
    return hits


def _event_hit(rule: Rule, record: EventRecord, entry: Entry | None) -> Hit:
    api_version, kind_name = _type_of(entry.obj if entry else {})
    state = entry.status.state.value if entry is not None else ""
    return Hit(
        rule=rule,
        oid=occurrence_id(rule.name, record.uid, str(record.count), "event"),
        kind=record.kind,
        api_version=api_version,
        kind_name=kind_name,
        namespace=record.namespace or "",
        name=record.name,
        uid=record.involved_uid or (entry.uid if entry else ""),
        observed=record.last_seen,
        old_state=state,
        new_state=state,
        message=f"{record.reason}: {record.message}"[:2000],
        detail={
            "event": {
                "type": record.type,
                "reason": record.reason,
                "message": record.message[:2000],
                "count": record.count,
                "source": record.source,
            }
        },
    )


def _hit(
    rule: Rule,
    kind: str,
    entry: Entry,
    observed: float,
    id_parts: tuple[str, ...],
    *,
    old: Entry | None,
    new: Entry | None,
    paths: tuple[str, ...],
    detail: Mapping[str, Any] | None = None,
) -> Hit:
    api_version, kind_name = _type_of(entry.obj)
    shown = new if new is not None else old
    return Hit(
        rule=rule,
        oid=occurrence_id(rule.name, *id_parts),
        kind=kind,
        api_version=api_version,
        kind_name=kind_name,
        namespace=entry.namespace or "",
        name=entry.name,
        uid=entry.uid,
        observed=observed,
        old_state=old.status.state.value if old is not None else "",
        old_reason=old.status.reason if old is not None else "",
        new_state=new.status.state.value if new is not None else "",
        new_reason=new.status.reason if new is not None else "",
        message=(shown.status.message if shown is not None else "")[:2000],
        changed_paths=tuple(paths[:100]),
        detail=dict(detail or {}),
    )


def _type_of(obj: Mapping[str, Any]) -> tuple[str, str]:
    return str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
