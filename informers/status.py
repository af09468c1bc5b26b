"""Reconcile state of a custom resource, following the kstatus rules.

The dashboard's main question about an object is "has its controller caught up
with what I asked for, and if not, is it working on it or has it given up?".
Controllers answer it through conditions and observed generations in many
dialects. This module reduces those to one of five states with a reason, so the
list page, the filters and the "stuck" alarm all agree. The rules and their
order are a published contract (see contracts.md); change them with care.

Objects come straight from JSON, so nothing here may raise on bad input: a
status that cannot be read becomes ``Unknown`` with a reason that says why.
"""

from __future__ import annotations

import enum
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from informers import depth
from informers.redaction import mask_text


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
STUCK_ENV_VAR = "CRSCOPE_STUCK_AFTER_SECONDS"
_FAILURE_SUFFIXES = ("failed", "error")
_WATCHED_CONDITIONS = ("Ready", "Reconciling", "Stalled")


class _MalformedError(Exception):
    """Internal signal: the object's status cannot be read. Never escapes."""


def compute_status(
    obj: Mapping[str, Any], *, failure_reasons: frozenset[str] = DEFAULT_FAILURE_REASONS
) -> Status:
    """Return the reconcile state of ``obj``; never raises, whatever the input."""
    if isinstance(obj, depth.Truncated):
        return _status(State.UNKNOWN, depth.REASON, depth.MESSAGE)
    try:
        return _compute(obj, failure_reasons)
    except _MalformedError as exc:
        return _status(State.UNKNOWN, "MalformedStatus", str(exc))


def is_failure_reason(reason: str, failure_reasons: frozenset[str]) -> bool:
    """True when a condition reason means the controller gave up, not that it waits."""
    folded = reason.casefold()
    if folded.endswith(_FAILURE_SUFFIXES):
        return True
    return folded in {r.casefold() for r in failure_reasons}


def is_stuck(state: State, since: float, now: float, threshold_seconds: float) -> bool:
    """True when an object has been InProgress or Terminating for longer than the threshold."""
    if state not in (State.IN_PROGRESS, State.TERMINATING):
        return False
    return now - since > threshold_seconds


def stuck_threshold_from_env(default: float = 600.0) -> float:
    """Read the "stuck after" threshold from the environment; bad values give ``default``.

    Accepted: a finite number of seconds greater than zero.
    """
    raw = os.environ.get(STUCK_ENV_VAR, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    if not math.isfinite(value) or value <= 0:
        return default
    return value


def _compute(obj: Mapping[str, Any], failure_reasons: frozenset[str]) -> Status:
    if not isinstance(obj, Mapping):
        raise _MalformedError(f"object is a {type(obj).__name__}, not a JSON object")
    metadata = _mapping_field(obj, "metadata")
    if metadata.get("deletionTimestamp"):
        return _terminating(metadata)
    generation = _generation(metadata, "generation", "metadata.generation")
    status = _mapping_field(obj, "status")
    observed = _generation(status, "observedGeneration", "status.observedGeneration")
    if observed is not None and generation is not None and observed != generation:
        return _status(
            State.IN_PROGRESS,
            "GenerationMismatch",
            f"controller has observed generation {observed}, the latest is {generation}",
        )
    conditions = _conditions(status)
    return _from_conditions(conditions, generation, failure_reasons)


def _from_conditions(
    conditions: Mapping[str, Mapping[str, Any]],
    generation: int | None,
    failure_reasons: frozenset[str],
) -> Status:
    reconciling = conditions.get("Reconciling")
    if reconciling is not None and reconciling["status"] == "True":
        return _from_condition(reconciling, State.IN_PROGRESS, "Reconciling")
    stalled = conditions.get("Stalled")
    if stalled is not None and stalled["status"] == "True":
        if _is_stale(stalled, generation):
            return _stale(stalled, generation)
        return _from_condition(stalled, State.FAILED, "Stalled")
    ready = conditions.get("Ready")
    if ready is None:
        return _status(State.CURRENT, "", "")
    if _is_stale(ready, generation):
        return _stale(ready, generation)
    if ready["status"] == "True":
        return _from_condition(ready, State.CURRENT, "Ready")
    if is_failure_reason(_text(ready, "reason"), failure_reasons):
        return _from_condition(ready, State.FAILED, "NotReady")
    return _from_condition(ready, State.IN_PROGRESS, "NotReady")


def _terminating(metadata: Mapping[str, Any]) -> Status:
    finalizers = metadata.get("finalizers")
    names = [f for f in finalizers if isinstance(f, str)] if isinstance(finalizers, list) else []
    message = ("waiting for finalizers: " + ", ".join(names)) if names else "deletion in progress"
    return _status(State.TERMINATING, "Deleting", message)


def _stale(condition: Mapping[str, Any], generation: int | None) -> Status:
    return _status(
        State.IN_PROGRESS,
        "StaleCondition",
        f"condition {condition['type']} describes generation "
        f"{condition.get('observedGeneration')}, the latest is {generation}",
    )


def _from_condition(condition: Mapping[str, Any], state: State, fallback_reason: str) -> Status:
    return _status(
        state, _text(condition, "reason") or fallback_reason, _text(condition, "message")
    )


def _is_stale(condition: Mapping[str, Any], generation: int | None) -> bool:
    observed = condition.get("observedGeneration")
    return isinstance(observed, int) and generation is not None and observed < generation


def _mapping_field(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _MalformedError(f"{key} is a {type(value).__name__}, not a JSON object")
    return value


def _generation(parent: Mapping[str, Any], key: str, label: str) -> int | None:
    value = parent.get(key)
    if value is None:
        return None
    # bool is an int subclass in Python, but `true` is not a generation.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _MalformedError(f"{label} is {value!r}, not an integer")
    return value


def _conditions(status: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Index the conditions this module reads by type, validating them on the way."""
    raw = status.get("conditions")
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise _MalformedError(f"status.conditions is a {type(raw).__name__}, not a list")
    found: dict[str, Mapping[str, Any]] = {}
    for index, condition in enumerate(raw):
        if not isinstance(condition, Mapping):
            raise _MalformedError(f"status.conditions[{index}] is not a JSON object")
        _check_condition(condition, index)
        kind = condition["type"]
        if kind in _WATCHED_CONDITIONS and kind not in found:
            where = f"status.conditions[{index}] ({kind}).observedGeneration"
            _generation(condition, "observedGeneration", where)
            found[kind] = condition
    return found


def _check_condition(condition: Mapping[str, Any], index: int) -> None:
    """Every condition, watched or not, needs a string type and status: one that cannot be
    read makes the whole status unreadable rather than silently skipped."""
    kind = condition.get("type")
    if not isinstance(kind, str):
        raise _MalformedError(f"status.conditions[{index}] has type {_short(kind)}, not a string")
    where = f"status.conditions[{index}] ({kind})"
    if not isinstance(condition.get("status"), str):
        raise _MalformedError(f"{where} has status {_short(condition.get('status'))}, not a string")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _text(condition: Mapping[str, Any], key: str) -> str:
    value = condition.get(key)
    return value if isinstance(value, str) else ""


def _status(state: State, reason: str, message: str) -> Status:
    # The message is shown in lists, the API and notifications, which never see the
    # object it came from: a connection string in it loses its password here.
    message = mask_text(message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return Status(state=state, reason=reason, message=message)
