"""Reading one YAML mapping field by field, so every rejection names the field at fault.

Why a tiny reader instead of a schema library: the messages are the product here ("rule
'db-failed': trigger.state: unknown state 'Faild'"), unknown keys must be reported instead
of silently ignored (a typo in ``trigger`` would otherwise mean "never fires"), and the
rule format is small enough that plain code is clearer than a schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_RATE = re.compile(r"^\s*([0-9]+)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*$")
_RATE_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}


class FieldError(ValueError):
    """One invalid field: ``field`` is its dotted path inside the rule or destination."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Fields:
    """A mapping being read; ``done()`` rejects the keys nobody asked for."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            raise FieldError(path or "(top)", f"must be a mapping, not {_type_name(value)}")
        self.value: Mapping[Any, Any] = value
        self.path = path
        self._seen: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.value

    def raw(self, key: str, default: Any = None) -> Any:
        self._seen.add(key)
        return self.value.get(key, default)

    def text(self, key: str, *, default: str | None = None) -> str:
        value = self.raw(key)
        if value is None:
            if default is None:
                raise FieldError(self.at(key), "is required")
            return default
        if not isinstance(value, str) or not value.strip():
            raise FieldError(self.at(key), "must be a non-empty string")
        return value.strip()

    def flag(self, key: str, *, default: bool = False) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise FieldError(self.at(key), "must be true or false")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """A string or a list of strings; absent means empty."""
        value = self.raw(key)
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise FieldError(self.at(key), "must be a string or a list of strings")
        return tuple(i.strip() for i in items)

    def duration(self, key: str, *, default: float = 0.0) -> float:
        value = self.raw(key)
        if value is None:
            return default
        return parse_duration(value, self.at(key))

    def done(self) -> None:
        extra = sorted(str(k) for k in self.value if str(k) not in self._seen)
        if extra:
            raise FieldError(self.at(extra[0]), "unknown field")


def parse_duration(value: Any, field: str) -> float:
    """Seconds from ``30``, ``2.5``, ``"500ms"``, ``"30s"``, ``"5m"`` or ``"1h"``."""
    if isinstance(value, bool):
        raise FieldError(field, "must be a duration such as 30s, 5m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        found = _DURATION.match(str(value))
        if found is None:
            raise FieldError(field, f"{value!r} is not a duration such as 30s, 5m or 1h")
        seconds = float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    if seconds < 0 or seconds > 86400:
        raise FieldError(field, "must be between 0 and 24h")
    return seconds


def parse_rate(value: Any, field: str) -> tuple[int, float]:
    """``"30/min"`` -> (30, 60.0): at most 30 sends in any 60 seconds."""
    found = _RATE.match(str(value)) if isinstance(value, str) else None
    if found is None:
        raise FieldError(field, f"{value!r} is not a rate such as 30/min, 5/s or 100/hour")
    count = int(found.group(1))
    if count < 1:
        raise FieldError(field, "must allow at least one send")
    return count, float(_RATE_SECONDS.get(found.group(2), 3600))


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__
