"""Logging filters.

Why: a not-ready ``/readyz`` is an expected 503 that kubelet polls every few seconds; logged
as a server error each time it would drown real errors.
"""

from __future__ import annotations

import logging


class SkipProbes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (("/readyz" in message) or ("/healthz" in message))
