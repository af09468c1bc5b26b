"""Cache entries and history rows as API dicts: the one place that shapes an object.

Why: the list, the detail, the health list and the watch stream all show an object's state
and identity; shaping them here keeps those views identical. Values that come from the
cluster are normalised defensively (a malformed timestamp becomes null, never a 500), and
every object body passes the redactor on its way out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from dashboard.core.auth.redactor import redact_body
from dashboard.core.listing.cells import version_of
from dashboard.core.listing.query import Row
from dashboard.core.lru import Lru
from dashboard.core.rules.why import shown_inputs
from informers import Entry, parse_time

#: Shaped list items by what they show (``summary``): many pages' worth.
_summaries: Lru[dict[str, Any]] = Lru(20_000)


def timestamp(epoch: float | None) -> dt.datetime | None:
    if epoch is None:
        return None
    try:
        return dt.datetime.fromtimestamp(epoch, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def generation(meta: Mapping[str, Any]) -> int | None:
    value = meta.get("generation")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def state_info(entry: Entry, stuck: bool) -> dict[str, Any]:
    status = entry.status
    return {
        "state": status.state,
        "reason": status.reason,
        "message": status.message,
        "since": timestamp(entry.since),
        "stuck": stuck,
        "rule": status.rule,
        "inputs": shown_inputs(status),
        "when": status.when,
    }


def summary(row: Row) -> dict[str, Any]:
    """A list item: identity, state and printer columns, no body.

    Shaped once per what it shows, for every client: at 50k objects and 20 clients paging
    at once, shaping each row again (timestamps, the rule's inputs through the redactor)
    was nearly half of a list request's time. The key holds everything the item is made
    of, the state's reading and the columns too (reloaded rules and a CRD's new columns
    change them without a new resourceVersion); callers must not change the result.
    """
    entry = row.entry
    version = version_of(entry)
    if version is None:
        return _summary(row)
    try:
        key = (*version, entry.since, entry.status, row.stuck, tuple(row.columns.items()))
        hash(key)
    except TypeError:  # an unhashable input or column value: shape it afresh
        return _summary(row)
    return _summaries.get(key, lambda: _summary(row))


def _summary(row: Row) -> dict[str, Any]:
    entry = row.entry
    meta = entry.metadata
    return {
        "name": entry.name,
        "namespace": entry.namespace,
        "uid": entry.uid,
        "resourceVersion": entry.resource_version,
        "generation": generation(meta),
        "created": timestamp(parse_time(meta.get("creationTimestamp"))),
        "state": state_info(entry, row.stuck),
        "columns": {name: _scalar(value) for name, value in row.columns.items()},
    }


def body(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object body as clients may see it: redacted, and always a JSON object."""
    return redact_body(obj)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)
