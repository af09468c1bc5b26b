"""The health rule tester: what a draft rules file would do to the cached objects of a kind.

Why: a rule that matches nothing, or one that turns half a kind Failed, looks fine as YAML.
Before saving it, an operator wants the resulting state counts and the objects that would
change state, each with the rule and values behind both states. The API
(``POST /api/v1/health-rules/test``) and the ``/health-rules/`` page both call
:func:`try_draft`; each resolves the kind and the caller's namespaces through its own
authorization gate first, so only objects the caller may list are ever evaluated.

The draft is evaluated as the user rules file would be once saved: it replaces the rules
file in force, ahead of the shipped pack (a draft rule named like a shipped one replaces
it). "Now" ("before") is the state the dashboard shows: the cached one, "waiting for a
controller" included. "With the draft" is the informer's own evaluation under the draft's
rules (``Informer.status_under``), with the kind's same learned tally switched on or off
as the draft's ``awaitController`` says, so the difference is the draft's doing.
One caveat: the draft sees redacted objects, "now" was read from the real ones, so a rule
in force that reads a redacted field may seem to change under an identical draft.

Bounds: each viewer may run it ``CRSCOPE_RULE_TEST_RATE`` times a second (bursts of
``CRSCOPE_RULE_TEST_BURST``); the draft is at most ``MAX_DRAFT_CHARS`` characters; at most
``MAX_OBJECTS`` objects are evaluated (the first by namespace and name) and at most
``MAX_CHANGES`` of the changed objects listed; CEL's cost bound limits each expression.
Objects are evaluated as the caller could see them, redacted: a draft expression cannot
test a secret's value.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.auth.access import namespace_filter
from dashboard.core.auth.redactor import redact_body
from dashboard.core.auth.viewer import Viewer
from dashboard.core.rules.why import shown_inputs, why_text
from dashboard.core.web.ratelimit import rule_test_limiter
from informers import Engine, Informer, State, Status, parse_rules

MAX_DRAFT_CHARS = 64 * 1024
MAX_OBJECTS = 2000
#: Wall time one tester run may take: each expression is bounded per object, but a draft
#: of many cases over 2,000 large objects could still hold a request thread for minutes.
#: A run that reaches it stops and says how many objects it evaluated (``truncated``).
MAX_SECONDS = 5.0
MAX_CHANGES = 200
DRAFT_SOURCE = "draft"


class DraftTooLarge(ValueError):
    """The draft is over ``MAX_DRAFT_CHARS``."""


class TooManyTries(Exception):
    """The viewer ran the tester too often (``CRSCOPE_RULE_TEST_RATE``); retry later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many rule tests; retry in {retry_after:.0f}s")
        self.retry_after = max(1, round(retry_after))


def admit(viewer: Viewer) -> None:
    """Take one of the viewer's tester runs, or raise :class:`TooManyTries`."""
    wait = rule_test_limiter.take(viewer.cache_key)
    if wait > 0:
        raise TooManyTries(wait)


@dataclass(frozen=True)
class Changed:
    """One object whose state the draft would change."""

    namespace: str | None
    name: str
    before: Status
    after: Status


@dataclass
class Outcome:
    """What the draft would do to one kind, as the caller sees it."""

    draft_rules: list[str]
    matching: list[str]
    total: int
    evaluated: int
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    decided_by_draft: int = 0
    changed: int = 0
    changes: list[Changed] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.evaluated < self.total

    @property
    def changes_truncated(self) -> bool:
        return self.changed > len(self.changes)


def rules_status(engine: Engine) -> dict[str, Any]:
    """The user rules file (loaded when, rejected why, at which position) and the rules
    in force, for the API and the page; times are epoch seconds."""
    status = engine.health_rules_status()
    return {
        "path": status.path,
        "loadedAt": status.loaded_at,
        "checkedAt": status.checked_at,
        "error": status.error,
        "rules": list(status.rule_names),
        "userRules": list(status.user_rule_names),
        "shipped": list(engine.health_rules.shipped.names()),
    }


def try_draft(
    text: str,
    *,
    engine: Engine,
    informer: Informer,
    namespaces: set[str] | None,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Evaluate ``text`` (a rules file) on ``informer``'s objects in ``namespaces``,
    for at most ``MAX_SECONDS`` of ``clock``.

    ``namespaces`` is the caller's answer from ``access.visible_namespaces`` (None: all).
    Raises :class:`DraftTooLarge`, or ``informers.healthrules.RuleError`` (with the field,
    line and column) for a draft that does not parse or compile.
    """
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftTooLarge(
            f"the draft has {len(text)} characters; at most {MAX_DRAFT_CHARS} are tested"
        )
    draft = parse_rules(text, source=DRAFT_SOURCE)
    kind = informer.kind
    draft_rules = draft.over(engine.health_rules.shipped).for_kind(kind.group, kind.kind)
    names = [rule.name for rule in draft.rules]
    entries = informer.store.list(namespaces=namespace_filter(namespaces, kind))
    entries.sort(key=lambda e: (e.namespace or "", e.name))
    outcome = Outcome(
        draft_rules=names,
        matching=[rule.name for rule in draft.rules if rule.matches(kind.group, kind.kind)],
        total=len(entries),
        evaluated=min(len(entries), MAX_OBJECTS),
    )
    own = set(names)
    deadline = clock() + MAX_SECONDS
    for done, entry in enumerate(entries[:MAX_OBJECTS]):
        if clock() > deadline:
            outcome.evaluated = done
            break
        before = entry.status  # what the dashboard shows now
        after = informer.status_under(redact_body(entry.obj), draft_rules)
        outcome.before[before.state.value] += 1
        outcome.after[after.state.value] += 1
        outcome.decided_by_draft += after.rule in own
        if before.state != after.state:
            outcome.changed += 1
            if len(outcome.changes) < MAX_CHANGES:
                outcome.changes.append(Changed(entry.namespace, entry.name, before, after))
    return outcome


def state_body(status: Status) -> dict[str, Any]:
    """A state as the tester shows it: the API's state fields plus the one-line why."""
    return {
        "state": status.state.value,
        "reason": status.reason,
        "message": status.message,
        "rule": status.rule,
        "inputs": shown_inputs(status),
        "when": status.when,
        "why": why_text(status),
    }


def counts(counter: Mapping[str, int]) -> dict[str, int]:
    """Every state, zero included, in the API's order."""
    return {state.value: int(counter.get(state.value, 0)) for state in State}


def outcome_body(outcome: Outcome, *, resource: str, kind: str) -> dict[str, Any]:
    """The API's (and the page's) view of an outcome."""
    return {
        "resource": resource,
        "kind": kind,
        "draftRules": outcome.draft_rules,
        "matching": outcome.matching,
        "total": outcome.total,
        "evaluated": outcome.evaluated,
        "truncated": outcome.truncated,
        "maxObjects": MAX_OBJECTS,
        "before": counts(outcome.before),
        "after": counts(outcome.after),
        "decidedByDraft": outcome.decided_by_draft,
        "changed": outcome.changed,
        "changes": [_change_body(c) for c in outcome.changes],
        "changesTruncated": outcome.changes_truncated,
    }


def _change_body(change: Changed) -> dict[str, Any]:
    return {
        "namespace": change.namespace,
        "name": change.name,
        "before": state_body(change.before),
        "after": state_body(change.after),
    }
