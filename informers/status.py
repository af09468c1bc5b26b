"""Reconcile state of a custom resource: the generic rules, for kinds no health rule knows.

The dashboard's main question about an object is "has its controller caught up
with what I asked for, and if not, is it working on it or has it given up?".
Controllers answer it through conditions, observed generations and phase words in
many dialects. This module reduces those to one of five states with a reason, so
the list page, the filters and the "stuck" alarm all agree. Health rules
(``informers.healthrules``) decide first for the kinds they match; these rules are
the fallback for every other object, so they are plain Python and cheap.

The rules run in a fixed order and the first that decides wins; each names itself
(``generic/...``) with the values it read, so every state can say why. The order
and the vocabularies are a published contract (docs/contracts.md, "Generic
rules"); change them with care:

1. ``generic/observed-generation``: the controller has not seen the latest spec
   (``status.observedGeneration``, or else the newest ``observedGeneration`` of any
   condition) -> InProgress.
2. ``generic/reconciling-condition``: ``Reconciling=True`` -> InProgress.
3. ``generic/stalled-condition``: ``Stalled=True`` -> Failed.
4. Failures other conditions report -> Failed: ``generic/degraded-condition``
   (``Degraded=True``), ``generic/failed-condition`` (``Failed=True``, Jobs),
   ``generic/succeeded-condition`` (``Succeeded=False``, Tekton and Knative runs),
   ``generic/synced-condition`` (``Synced=False`` with a failure reason, Crossplane's
   ``ReconcileError`` even under ``Ready=True``).
5. ``generic/phase``, final words only: a failure phase -> Failed, a completed run
   -> Current (``informers.phases`` lists the words and why).
6. ``generic/ready-condition``: ``Ready=True`` -> Current; otherwise Failed when the
   reason is a failure reason, else InProgress.
7. ``generic/succeeded-condition``: ``Succeeded=Unknown`` -> InProgress, ``True`` -> Current.
8. ``generic/available-condition``: ``Available=False`` (or Unknown) -> Failed with a
   failure reason, else InProgress; ``True`` -> Current.
9. ``generic/phase``, the other words: working -> InProgress, steady -> Current,
   ``Unknown`` -> Unknown.
10. ``generic/default``: nothing above decided -> Current.

A condition that decides but describes an older generation than
``metadata.generation`` does not: the object is InProgress (``StaleCondition``).

Objects come straight from JSON, so nothing here may raise on bad input: a status
that cannot be read (conditions that are not a list of objects with string
``type`` and ``status``) becomes ``Unknown`` with a reason that says why. Fields the
rules can do without are tolerated instead: an ``observedGeneration`` that is not an
integer (Argo Rollouts writes a string) or a ``phase`` that is not a string is
ignored, and the message says so, rather than making the whole object Unknown.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from informers import depth
from informers.phases import Phase, classify
from informers.redaction import mask_text
from informers.statusread import (
    MalformedError,
    StatusReading,
    mapping_field,
    read_generation,
    read_status,
    text,
)


class State(enum.StrEnum):
    """The reconcile state values, spelled exactly as the API exposes them."""

    CURRENT = "Current"
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    TERMINATING = "Terminating"
    UNKNOWN = "Unknown"


# Lower rank = worse. Sort with ``key=lambda s: STATE_ORDER[s]`` for "worst first".
STATE_ORDER: Mapping[State, int] = MappingProxyType(
    {
        State.FAILED: 0,
        State.TERMINATING: 1,
        State.IN_PROGRESS: 2,
        State.UNKNOWN: 3,
        State.CURRENT: 4,
    }
)


@dataclass(frozen=True, slots=True)
class Status:
    """A state plus the machine-readable reason and human message behind it.

    ``rule``, ``inputs`` and ``when`` say *why*: the rule that decided (e.g.
    ``argo-cd/Application`` or ``generic/ready-condition``), the values it read
    (JSON scalars, in order) and the text of the deciding expression. They are
    defaulted so that call sites that only know a state keep working.
    """

    state: State
    reason: str
    message: str
    rule: str = ""
    inputs: tuple[tuple[str, Any], ...] = ()
    when: str = ""


# Compared case-insensitively. Any reason ending in "Failed" or "Error" also counts.
DEFAULT_FAILURE_REASONS: frozenset[str] = frozenset(
    {
        "Failed",
        "Failure",
        "Error",
        "ReconcileError",
        "ReconciliationFailed",
        "InstallFailed",
        "UpgradeFailed",
        "RollbackFailed",
        "BuildFailed",
        "DependencyNotReady",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "InvalidSpec",
        "InvalidConfiguration",
        "ProgressDeadlineExceeded",
    }
)

MAX_MESSAGE_CHARS = 1000
MAX_REASON_CHARS = 200
#: Input values shown in "why this state" are cut to this length (a reason is a word).
MAX_INPUT_CHARS = 200
_FAILURE_SUFFIXES = ("failed", "error")

RULE_DELETION = "generic/deletion"
RULE_READABLE = "generic/readable-status"
RULE_GENERATION = "generic/observed-generation"
RULE_PHASE = "generic/phase"
RULE_DEFAULT = "generic/default"


_Rule = Callable[[StatusReading, frozenset[str]], "Status | None"]


def compute_status(
    obj: Mapping[str, Any], *, failure_reasons: frozenset[str] = DEFAULT_FAILURE_REASONS
) -> Status:
    """Return the reconcile state of ``obj``; never raises, whatever the input."""
    if isinstance(obj, depth.Truncated):
        return bounded_status(
            State.UNKNOWN, depth.REASON, depth.MESSAGE, rule=RULE_READABLE, when="object too deep"
        )
    try:
        return _compute(obj, failure_reasons)
    except MalformedError as exc:
        return bounded_status(
            State.UNKNOWN,
            "MalformedStatus",
            str(exc),
            rule=RULE_READABLE,
            when="the status cannot be read",
        )


def is_failure_reason(reason: str, failure_reasons: frozenset[str]) -> bool:
    """True when a condition reason means the controller gave up, not that it waits."""
    folded = reason.casefold()
    if folded.endswith(_FAILURE_SUFFIXES):
        return True
    return folded in _folded(failure_reasons)


@lru_cache(maxsize=8)
def _folded(failure_reasons: frozenset[str]) -> frozenset[str]:
    # Folded once per configured set, not once per object.
    return frozenset(r.casefold() for r in failure_reasons)


def is_stuck(state: State, since: float, now: float, threshold_seconds: float) -> bool:
    """True when an object has been InProgress or Terminating for longer than the threshold."""
    if state not in (State.IN_PROGRESS, State.TERMINATING):
        return False
    return now - since > threshold_seconds


def _compute(obj: Mapping[str, Any], failure_reasons: frozenset[str]) -> Status:
    if not isinstance(obj, Mapping):
        raise MalformedError(f"object is a {type(obj).__name__}, not a JSON object")
    metadata = mapping_field(obj, "metadata")
    if metadata.get("deletionTimestamp"):
        return _terminating(metadata)
    status = mapping_field(obj, "status")
    if not status:
        read_generation(metadata)  # still refuse a generation no apiserver wrote
        return _NO_STATUS
    reading = read_status(metadata, status)
    decided = _first(reading, failure_reasons)
    return _noted(decided, reading.notes) if reading.notes else decided


def _first(r: StatusReading, failure_reasons: frozenset[str]) -> Status:
    """The first rule that decides, in the documented order.

    Rules that read conditions are skipped as a group when there are none, and the phase
    rules when there is no phase: this runs for every object of every kind.
    """
    decided = _observed_generation(r, failure_reasons)
    if decided is None and r.conditions:
        decided = _run(_CONDITION_FAILURES, r, failure_reasons)
    if decided is None and r.phase is not None:
        decided = _final_phase(r, failure_reasons)
    if decided is None and r.conditions:
        decided = _run(_CONDITION_STATES, r, failure_reasons)
    if decided is None and r.phase is not None:
        decided = _other_phase(r, failure_reasons)
    return decided if decided is not None else _default(r)


def _run(
    rules: tuple[_Rule, ...], r: StatusReading, failure_reasons: frozenset[str]
) -> Status | None:
    for rule in rules:
        decided = rule(r, failure_reasons)
        if decided is not None:
            return decided
    return None


# -- the rules, in order (see the module docstring) ----------------------------------------
def _observed_generation(r: StatusReading, _: frozenset[str]) -> Status | None:
    generation = r.generation
    if generation is None:
        return None
    if r.observed is not None:
        if r.observed == generation:
            return None
        return bounded_status(
            State.IN_PROGRESS,
            "GenerationMismatch",
            f"controller has observed generation {r.observed}, the latest is {generation}",
            rule=RULE_GENERATION,
            inputs=(("metadata.generation", generation), ("status.observedGeneration", r.observed)),
            when="status.observedGeneration != metadata.generation",
        )
    newest = r.newest_condition_generation
    if newest is None or newest >= generation:
        return None
    return bounded_status(
        State.IN_PROGRESS,
        "StaleCondition",
        f"the newest condition describes generation {newest}, the latest is {generation}",
        rule=RULE_GENERATION,
        inputs=(("metadata.generation", generation), ("conditions.*.observedGeneration", newest)),
        when="max(conditions.*.observedGeneration) < metadata.generation",
    )


def _reconciling(r: StatusReading, _: frozenset[str]) -> Status | None:
    return _when_status(r, "Reconciling", "True", State.IN_PROGRESS, "Reconciling", stale=False)


def _stalled(r: StatusReading, _: frozenset[str]) -> Status | None:
    return _when_status(r, "Stalled", "True", State.FAILED, "Stalled")


def _degraded(r: StatusReading, _: frozenset[str]) -> Status | None:
    return _when_status(r, "Degraded", "True", State.FAILED, "Degraded")


def _failed(r: StatusReading, _: frozenset[str]) -> Status | None:
    return _when_status(r, "Failed", "True", State.FAILED, "Failed")


def _not_succeeded(r: StatusReading, _: frozenset[str]) -> Status | None:
    return _when_status(r, "Succeeded", "False", State.FAILED, "Failed")


def _not_synced(r: StatusReading, failure_reasons: frozenset[str]) -> Status | None:
    synced = r.conditions.get("Synced")
    if synced is None or synced["status"] != "False":
        return None
    if not is_failure_reason(text(synced, "reason"), failure_reasons):
        return None  # e.g. Crossplane's ReconcilePaused: asked for, not a failure
    return _decide(
        r,
        synced,
        State.FAILED,
        "SyncFailed",
        when='conditions.Synced.status == "False" && conditions.Synced.reason is a failure reason',
    )


def _final_phase(r: StatusReading, _: frozenset[str]) -> Status | None:
    found = classify(r.phase) if r.phase is not None else None
    if found is Phase.FAILED:
        return _phase_status(r, State.FAILED, "status.phase is a failure phase")
    if found is Phase.COMPLETED:
        return _phase_status(r, State.CURRENT, "status.phase is a completed phase")
    return None


def _ready(r: StatusReading, failure_reasons: frozenset[str]) -> Status | None:
    return _positive(r, failure_reasons, "Ready")


def _succeeded(r: StatusReading, _: frozenset[str]) -> Status | None:
    return _when_status(r, "Succeeded", "Unknown", State.IN_PROGRESS, "Running") or _when_status(
        r, "Succeeded", "True", State.CURRENT, "Succeeded"
    )


def _available(r: StatusReading, failure_reasons: frozenset[str]) -> Status | None:
    return _positive(r, failure_reasons, "Available")


def _positive(r: StatusReading, failure_reasons: frozenset[str], kind: str) -> Status | None:
    """A condition that is True when all is well (Ready, Available): True is Current; not
    True is Failed under a failure reason, else InProgress (reasons ``Ready``/``NotReady``,
    ``Available``/``NotAvailable``)."""
    condition = r.conditions.get(kind)
    if condition is None:
        return None
    field = f"conditions.{kind}"
    if condition["status"] == "True":
        return _decide(r, condition, State.CURRENT, kind, when=f'{field}.status == "True"')
    if is_failure_reason(text(condition, "reason"), failure_reasons):
        return _decide(
            r,
            condition,
            State.FAILED,
            f"Not{kind}",
            when=f'{field}.status != "True" && {field}.reason is a failure reason',
        )
    return _decide(r, condition, State.IN_PROGRESS, f"Not{kind}", when=f'{field}.status != "True"')


def _other_phase(r: StatusReading, _: frozenset[str]) -> Status | None:
    found = classify(r.phase) if r.phase is not None else None
    if found is Phase.IN_PROGRESS:
        return _phase_status(r, State.IN_PROGRESS, "status.phase is a working phase")
    if found is Phase.STEADY:
        return _phase_status(r, State.CURRENT, "status.phase is a steady phase")
    if found is Phase.UNKNOWN:
        return _phase_status(r, State.UNKNOWN, "status.phase is Unknown")
    return None


_DEFAULT_WHEN = "no condition, generation or phase says otherwise"


def _default(r: StatusReading) -> Status:
    if r.phase is None:
        return _NO_STATUS
    return bounded_status(
        State.CURRENT,
        "",
        "",
        rule=RULE_DEFAULT,
        inputs=(("status.phase", _scalar(r.phase)),),
        when=_DEFAULT_WHEN,
    )


_CONDITION_FAILURES: tuple[_Rule, ...] = (
    _reconciling,
    _stalled,
    _degraded,
    _failed,
    _not_succeeded,
    _not_synced,
)
_CONDITION_STATES: tuple[_Rule, ...] = (_ready, _succeeded, _available)


# -- deciding ------------------------------------------------------------------------------
def _when_status(
    r: StatusReading,
    kind: str,
    wanted: str,
    state: State,
    fallback_reason: str,
    *,
    stale: bool = True,
) -> Status | None:
    """Decide ``state`` when condition ``kind`` has status ``wanted``."""
    condition = r.conditions.get(kind)
    if condition is None or condition["status"] != wanted:
        return None
    when = f'conditions.{kind}.status == "{wanted}"'
    return _decide(r, condition, state, fallback_reason, when=when, stale=stale)


def _decide(
    r: StatusReading,
    condition: Mapping[str, Any],
    state: State,
    fallback_reason: str,
    *,
    when: str,
    stale: bool = True,
) -> Status:
    """The state a condition gives, unless it describes an older generation than the spec."""
    kind = condition["type"]
    reason = text(condition, "reason")
    inputs: tuple[tuple[str, Any], ...] = ((f"conditions.{kind}.status", condition["status"]),)
    if reason:
        inputs += ((f"conditions.{kind}.reason", _scalar(reason)),)
    observed = r.condition_generations.get(kind)
    if stale and observed is not None and r.generation is not None and observed < r.generation:
        return bounded_status(
            State.IN_PROGRESS,
            "StaleCondition",
            f"condition {kind} describes generation {observed}, the latest is {r.generation}",
            rule=RULE_GENERATION,
            inputs=(
                ("metadata.generation", r.generation),
                (f"conditions.{kind}.observedGeneration", observed),
                *inputs,
            ),
            when=f"conditions.{kind}.observedGeneration < metadata.generation",
        )
    return bounded_status(
        state,
        reason or fallback_reason,
        text(condition, "message"),
        rule=f"generic/{kind.lower()}-condition",
        inputs=inputs,
        when=when,
    )


def _phase_status(r: StatusReading, state: State, when: str) -> Status:
    assert r.phase is not None
    message = ""
    for key in ("message", "failureMessage", "failureReason", "reason"):
        found = r.status.get(key)
        if found and isinstance(found, str):
            message = found
            break
    return bounded_status(
        state,
        r.phase,
        message,
        rule=RULE_PHASE,
        inputs=(("status.phase", _scalar(r.phase)),),
        when=when,
    )


def _terminating(metadata: Mapping[str, Any]) -> Status:
    finalizers = metadata.get("finalizers")
    names = [f for f in finalizers if isinstance(f, str)] if isinstance(finalizers, list) else []
    message = ("waiting for finalizers: " + ", ".join(names)) if names else "deletion in progress"
    return bounded_status(
        State.TERMINATING,
        "Deleting",
        message,
        rule=RULE_DELETION,
        inputs=(("metadata.deletionTimestamp", _scalar(metadata.get("deletionTimestamp"))),),
        when="metadata.deletionTimestamp != null",
    )


def _scalar(value: Any) -> Any:
    """An input value as shown in "why this state": JSON scalars, long strings cut."""
    return shorten(value, MAX_INPUT_CHARS) if isinstance(value, str) else value


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis, when it is longer:
    how every reason, message and input value shown for a state is bounded."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_message(message: str) -> str:
    """A status message as every rule shows it: secrets masked, length bounded."""
    if not message:
        return message
    # The message is shown in lists, the API and notifications, which never see the
    # object it came from: a connection string in it loses its password here.
    return shorten(mask_text(message), MAX_MESSAGE_CHARS)


def bounded_status(
    state: State,
    reason: str,
    message: str,
    *,
    rule: str,
    inputs: tuple[tuple[str, Any], ...] = (),
    when: str = "",
) -> Status:
    """A Status as every rule (generic or health rule) gives it: the message masked and
    bounded (``clip_message``) and the reason bounded. A CRD's conditions need not follow
    metav1.Condition, so a reason may be of any length, and it is shown in list cells,
    the API and notifications."""
    return Status(
        state=state,
        reason=shorten(reason, MAX_REASON_CHARS),
        message=clip_message(message),
        rule=rule,
        inputs=inputs,
        when=when,
    )


def _noted(decided: Status, notes: list[str]) -> Status:
    """The decision with the ignored fields reported after its message, which is cut first
    so that the notes always show."""
    tail = clip_message("; ".join(notes))
    room = MAX_MESSAGE_CHARS - len(tail) - 2
    head = decided.message
    if len(head) > room:
        head = head[: max(room - 1, 0)] + "…"
    return replace(decided, message=f"{head}; {tail}" if head else tail)


#: Most objects without a status (and every one without conditions or a phase) get this.
_NO_STATUS = Status(State.CURRENT, "", "", rule=RULE_DEFAULT, when=_DEFAULT_WHEN)
