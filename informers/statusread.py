"""Reading the parts of an object's status the generic rules use, once, defensively.

Why a module of its own: objects come straight from JSON written by any controller (or
any person with write access), so every field the generic rules read has to be checked
for type and range before a rule may look at it. Doing that once per object, here, keeps
the rules in ``informers.status`` short, and keeps the two kinds of bad input apart:

- a status the rules cannot read at all (``status`` or ``conditions`` of the wrong shape,
  a condition without a string ``type`` and ``status``, a ``metadata.generation`` that is
  not an int64) raises ``MalformedError``, which the rules turn into Unknown;
- a field the rules can do without (an ``observedGeneration`` that is a hash, a bool or a
  fraction; a ``phase`` that is not a string) is ignored and described in ``notes``, which
  the deciding rule's message carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The condition types the generic rules read.
WATCHED_CONDITIONS = frozenset(
    {"Ready", "Reconciling", "Stalled", "Succeeded", "Synced", "Available", "Degraded", "Failed"}
)
# Kubernetes generations are int64; anything outside is not a generation.
_MIN_GENERATION, _MAX_GENERATION = -(2**63), 2**63 - 1
_MAX_GENERATION_DIGITS = 19


class MalformedError(Exception):
    """The object's status cannot be read; ``informers.status`` reports it as Unknown."""


@dataclass(slots=True)
class StatusReading:
    """What the generic rules read from one object, read once and shared by all of them.

    ``notes`` collects the fields that were ignored because they could not be read; the
    deciding rule's message carries them, so a tolerated oddity is still reported.
    """

    generation: int | None
    observed: int | None
    conditions: dict[str, Mapping[str, Any]]
    condition_generations: dict[str, int | None]
    newest_condition_generation: int | None
    phase: str | None
    status: Mapping[str, Any]
    notes: list[str]


def read_status(metadata: Mapping[str, Any], status: Mapping[str, Any]) -> StatusReading:
    notes: list[str] = []
    reading = StatusReading(
        generation=read_generation(metadata),
        observed=_tolerant_generation(
            status.get("observedGeneration"), "status.observedGeneration", notes
        ),
        conditions={},
        condition_generations={},
        newest_condition_generation=None,
        phase=None,
        status=status,
        notes=notes,
    )
    _read_conditions(status, reading)
    phase = status.get("phase")
    if isinstance(phase, str):
        reading.phase = phase
    elif phase is not None:
        notes.append(f"status.phase is {short(phase)}, not a string; ignored")
    return reading


def _read_conditions(status: Mapping[str, Any], reading: StatusReading) -> None:
    """Index the conditions the rules read by type (the first of each type wins), note the
    newest observedGeneration of any condition, and validate every condition on the way."""
    raw = status.get("conditions")
    if raw is None:
        return
    if not isinstance(raw, list):
        raise MalformedError(f"status.conditions is a {type(raw).__name__}, not a list")
    found = reading.conditions
    for index, condition in enumerate(raw):
        # type() before isinstance(): parsed JSON is dicts, and the ABC check is slow.
        if type(condition) is not dict and not isinstance(condition, Mapping):
            raise MalformedError(f"status.conditions[{index}] is not a JSON object")
        kind = condition.get("type")
        if type(kind) is not str or type(condition.get("status")) is not str:
            _refuse_condition(condition, index)
        observed = condition.get("observedGeneration")
        if observed is not None:
            if type(observed) is not int or not _in_range(observed):
                where = f"status.conditions[{index}].observedGeneration"
                observed = _tolerant_generation(observed, where, reading.notes)
            newest = reading.newest_condition_generation
            if observed is not None and (newest is None or observed > newest):
                reading.newest_condition_generation = observed
        if kind in WATCHED_CONDITIONS and kind not in found:
            found[kind] = condition
            reading.condition_generations[kind] = observed


def _refuse_condition(condition: Mapping[str, Any], index: int) -> None:
    """Every condition, watched or not, needs a string type and status: one that cannot be
    read makes the whole status unreadable rather than silently skipped."""
    kind = condition.get("type")
    if not isinstance(kind, str):
        raise MalformedError(f"status.conditions[{index}] has type {short(kind)}, not a string")
    status = condition.get("status")
    if not isinstance(status, str):
        where = f"status.conditions[{index}] ({short(kind)})"
        raise MalformedError(f"{where} has status {short(status)}, not a string")


def mapping_field(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if type(value) is not dict and not isinstance(value, Mapping):
        raise MalformedError(f"{key} is a {type(value).__name__}, not a JSON object")
    return value


def read_generation(metadata: Mapping[str, Any]) -> int | None:
    """``metadata.generation``, strictly: the apiserver writes it, so a bad one means the
    object did not come from an apiserver and nothing in it can be trusted."""
    value = metadata.get("generation")
    if value is None:
        return None
    # bool is an int subclass in Python, but `true` is not a generation.
    if isinstance(value, bool) or not isinstance(value, int) or not _in_range(value):
        raise MalformedError(f"metadata.generation is {short(value)}, not an integer")
    return value


def _tolerant_generation(value: Any, label: str, notes: list[str]) -> int | None:
    """An observedGeneration a controller wrote, read leniently.

    A decimal string (Argo Rollouts) or a whole float (a JSON ``3.0``) counts as the number
    it spells; anything else (a hash, a bool, a fraction, a number beyond int64) is ignored
    and noted, so one odd field does not make the whole object Unknown.
    """
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _is_decimal(value)
    ):
        number = int(value)
    if number is not None and _in_range(number):
        return number
    notes.append(f"{label} is {short(value)}, not an integer generation; ignored")
    return None


def _is_decimal(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    # ASCII only: int() also reads other scripts' digits, which no controller writes.
    return 0 < len(digits) <= _MAX_GENERATION_DIGITS and digits.isascii() and digits.isdigit()


def _in_range(number: int) -> bool:
    return _MIN_GENERATION <= number <= _MAX_GENERATION


def short(value: Any) -> str:
    """A bounded, never-raising description of a hostile value for a message."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 78 else repr(value[:77]) + "…"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        # repr of a huge int is slow, and refused past 4300 digits.
        return f"an integer of {value.bit_length()} bits"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, Mapping):
        return "a JSON object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def text(condition: Mapping[str, Any], key: str) -> str:
    value = condition.get(key)
    return value if isinstance(value, str) else ""
