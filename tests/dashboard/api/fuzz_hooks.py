"""Schemathesis hooks for ``test_schema_fuzz`` (loaded by the CLI via SCHEMATHESIS_HOOKS).

A watch stream runs until the client leaves, so every watch case that the server would
accept gets a ``timeoutSeconds`` of at most 1; values the schema forbids are left alone,
because they are the negative cases the server must reject.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import schemathesis

WATCH = "/api/v1/watch"
MAX_SECONDS = 86400


def bounded_timeout(value: Any) -> Any:
    """The ``timeoutSeconds`` to send instead of ``value`` (which may come as a string)."""
    if value is None:
        return 0
    text = str(value)
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        return value  # not a number the server accepts: a negative case, left alone
    if 1 < int(text) <= MAX_SECONDS:
        return 1 if isinstance(value, int) else "1"
    return value


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.operation.path != WATCH:
        return
    query = dict(case.query or {})
    bounded = bounded_timeout(query.get("timeoutSeconds"))
    if bounded != query.get("timeoutSeconds"):
        query["timeoutSeconds"] = bounded
        case.query = query


@schemathesis.check
def watch_lines_match_the_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every NDJSON line of a watch stream is a ``WatchEvent`` as the schema publishes it.

    Schemathesis cannot read NDJSON by itself; without this, stream bodies went unchecked.
    """
    if case.operation.path != WATCH or response.status_code != 200:
        return None
    validator = jsonschema_rs.validator_for(
        {
            "$ref": "#/components/schemas/WatchEvent",
            "components": case.operation.schema.raw_schema["components"],
        }
    )
    lines = [json.loads(raw) for raw in response.content.splitlines() if raw.strip()]
    for line in lines:
        validator.validate(line)
    marks = [
        line
        for line in lines
        if line["type"] == "BOOKMARK"
        and line["object"]["metadata"].get("annotations", {}).get("k8s.io/initial-events-end")
    ]
    if len(marks) != 1:
        raise AssertionError(f"expected one end-of-initial-state bookmark, got {len(marks)}")
    return True
