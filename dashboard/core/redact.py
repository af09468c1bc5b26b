"""The process-wide redactor, configured by ``CRSCOPE_REDACT_PATHS``.

Every place that shows object content (YAML, history, diffs, API output) passes it
through ``redactor`` first.
"""

from __future__ import annotations

import os

from informers.redaction import DEFAULT_PATTERNS, Redactor

_extra = [p.strip() for p in os.environ.get("CRSCOPE_REDACT_PATHS", "").split(",") if p.strip()]
redactor = Redactor(patterns=(*DEFAULT_PATTERNS, *_extra))
