"""The process-wide redactor, configured by ``CRSCOPE_REDACT_PATHS``.

Every place that shows object content (YAML, history, diffs, API output, printer
columns) passes it through ``redactor`` first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from informers.columns import column_values
from informers.kinds import PrinterColumn
from informers.redaction import DEFAULT_PATTERNS, REDACTED, Redactor

_extra = [p.strip() for p in os.environ.get("CRSCOPE_REDACT_PATHS", "").split(",") if p.strip()]
redactor = Redactor(patterns=(*DEFAULT_PATTERNS, *_extra))


@lru_cache(maxsize=1024)
def _secret(json_path: str) -> bool:
    return redactor.covers_json_path(json_path)


def shown_columns(obj: Mapping[str, Any], columns: Sequence[PrinterColumn]) -> dict[str, Any]:
    """Printer column values as anyone may see them: a CRD can point a column at a secret
    (``.spec.password``), and that column then shows ``REDACTED``, and sorts as it."""
    values = column_values(obj, columns)
    for column in columns:
        if values.get(column.name) is not None and _secret(column.json_path):
            values[column.name] = REDACTED
    return values
