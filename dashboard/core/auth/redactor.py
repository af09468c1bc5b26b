"""The process-wide redactor, configured by ``CRSCOPE_REDACT_PATHS``.

Every place that shows or stores object content (YAML, the history database, diffs, API
output and the watch stream, printer columns, notification values) passes it through
``redactor`` first; docs/redaction.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings

from informers import (
    DEFAULT_PATTERNS,
    REDACTED,
    FieldChange,
    PrinterColumn,
    Redactor,
    column_values,
    masked_at,
)

redactor = Redactor(patterns=(*DEFAULT_PATTERNS, *settings.CRSCOPE_REDACT_PATHS))


def redact_body(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A whole object as it may be shown or stored: redacted, and always a JSON object
    (an object too deep to inspect becomes ``{"redacted": "***redacted***"}``)."""
    redacted = redactor.redact(obj)
    return redacted if isinstance(redacted, dict) else {"redacted": redacted}


def masked_changes(
    old: Any, new: Any, shown: Iterable[str], recorded: Iterable[str]
) -> list[FieldChange]:
    """The secret changes a diff of redacted bodies cannot see, as ``REDACTED`` replaces.

    Why: history stores bodies redacted, so a changed password compares equal. The engine
    recorded the change's paths on the live objects (``changedPaths``); a recorded path
    that is masked in the redacted bodies and missing from the diff (``shown``) changed
    out of sight, and is listed with both values hidden.
    """
    seen = set(shown)
    return [
        FieldChange("replace", path, REDACTED, REDACTED)
        for path in sorted(set(recorded) - seen)
        if masked_at(old, path) or masked_at(new, path)
    ]


def shown_columns(obj: Mapping[str, Any], columns: Sequence[PrinterColumn]) -> dict[str, Any]:
    """Printer column values as anyone may see them: a CRD can point a column at a secret
    (``.spec.password``, ``.spec['password']``, the ``value`` of a ``DB_PASSWORD`` env
    entry), and that column then shows ``REDACTED``, and sorts as it."""
    values = column_values(obj, columns)
    for column in columns:
        values[column.name] = redactor.redact_column(obj, column.json_path, values.get(column.name))
    return values
