"""The Events page's filters, read from the URL: namespace, kind, name, reason, type, window.

Why its own module: the page and its live feed must read the same URL the same way (a
feed that read a filter differently would push rows the page does not show), and the
parsing is pure, so it is unit-tested without a server. A bad value is named (which
parameter, and why) and dropped, so the page can answer 400 with a message and still show
the Events without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard.core.listing.namespaces import is_namespace_name
from dashboard.core.listing.query import QueryError

#: The time windows offered, in seconds; "" keeps everything the history retains.
WINDOWS: dict[str, float] = {
    "15m": 15 * 60,
    "1h": 3600,
    "6h": 6 * 3600,
    "24h": 24 * 3600,
    "7d": 7 * 86400,
}
TYPES = ("Warning", "Normal")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
#: What the URL may carry beyond the filters (paging); the live socket gets the filters.
FILTER_PARAMS = ("namespace", "kind", "name", "reason", "type", "window")

_KIND = re.compile(r"^[a-z0-9.-]*/[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class EventFilters:
    namespace: str = ""
    kind: str = ""  # a kind key, group/plural
    name: str = ""
    reason: str = ""
    type: str = ""
    window: str = ""
    limit: int = DEFAULT_LIMIT

    @property
    def window_seconds(self) -> float | None:
        return WINDOWS.get(self.window)

    def fingerprint(self) -> str:
        """What a continue token is bound to: a token from another filter is refused."""
        fields = (self.namespace, self.kind, self.name, self.reason, self.type, self.window)
        return "events|" + "\x1f".join(fields) + f"\x1f{self.limit}"

    def params(self) -> dict[str, str]:
        """The non-empty filters, as URL parameters (for links and the live socket)."""
        values = {k: getattr(self, k) for k in FILTER_PARAMS}
        return {k: v for k, v in values.items() if v}

    @property
    def any(self) -> bool:
        return bool(self.params())


def _last(params: Mapping[str, Sequence[str]], key: str) -> str:
    values = list(params.get(key) or [""])
    return values[-1].strip()


def _check(key: str, value: str) -> str:
    """``value`` if valid for ``key``; raises QueryError saying why not."""
    if not value:
        return value
    if key == "namespace" and not is_namespace_name(value):
        raise QueryError("namespace", "not a namespace name (lowercase letters, digits, '-')")
    if key == "kind" and (len(value) > 300 or not _KIND.match(value)):
        raise QueryError("kind", "expected a kind as group/plural, e.g. demo.crscope.dev/widgets")
    if key in ("name", "reason") and len(value) > 253:
        raise QueryError(key, "longer than 253 characters")
    if key == "type" and value not in TYPES:
        raise QueryError("type", "expected Warning or Normal")
    if key == "window" and value not in WINDOWS and value != "all":
        raise QueryError("window", f"expected one of {', '.join(WINDOWS)} or all")
    return value


def _limit(raw: str) -> int:
    if not raw:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise QueryError("limit", "not a whole number") from None
    if value < 1:
        raise QueryError("limit", "must be at least 1")
    return min(value, MAX_LIMIT)


def parse(params: Mapping[str, Sequence[str]]) -> tuple[EventFilters, QueryError | None]:
    """The filters in ``params``, and the first bad one (left out of the filters)."""
    values: dict[str, str] = {}
    errors: list[QueryError] = []
    for key in FILTER_PARAMS:
        try:
            value = _check(key, _last(params, key))
        except QueryError as exc:
            errors.append(exc)
            continue
        values[key] = "" if value == "all" else value
    try:
        limit = _limit(_last(params, "limit"))
    except QueryError as exc:
        errors.append(exc)
        limit = DEFAULT_LIMIT
    return EventFilters(**values, limit=limit), (errors[0] if errors else None)
