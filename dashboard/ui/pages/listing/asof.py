"""A kind's list as it stood at a past time (``?at=``), rebuilt from history.

Why a store: the past is loaded into a ``Store`` of its own and paged by the same query
code as the live list (``core.listing.query.list_page``), so a filter, a sort and a page
boundary mean the same thing in both. States are read from each stored revision with the
kind's health rules in force now; "stuck" depends on the time a state began, which the
record does not hold, so it is not offered for the past.

Times the record cannot answer (before the retention horizon or the first recording, in
a gap when no server watched, in the future) are refused with the reason
(``dashboard.history.asof``). What a viewer may not see now is not shown for the past
either: the rows are cut by the same namespace rule as the live list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from dashboard.core.auth.access import namespace_filter
from dashboard.core.listing.query import ListQuery, Page, PageRequest, QueryError, list_page
from dashboard.core.web.timefmt import absolute, iso
from dashboard.history import asof
from dashboard.history.writer import decode
from informers import Entry, Informer, KindInfo, Store, object_key

#: the last second a timestamp can name (9999-12-31T23:59:59Z): later ones cannot be shown
LATEST = 253402300799.0

#: the time shown when the page is opened without one: an hour ago, or the first
#: recorded moment when the record is younger than that
DEFAULT_BACK = 3600.0


@dataclass(frozen=True)
class Past:
    """One kind as it stood at ``at``: a ``Listable`` for the list query."""

    kind: KindInfo
    store: Store
    at: float
    #: objects whose state at ``at`` was trimmed from the record (``asof.unknown_at``)
    unknown: int


def parse_at(raw: str) -> float:
    """Seconds since the epoch, or an RFC 3339 / ISO 8601 time (UTC when it has no zone)."""
    text = raw.strip()
    if not text:
        raise QueryError("at", "expected a time, for example 2026-12-06T10:00:00Z")
    try:
        value = float(text)
    except ValueError:
        try:
            stamp = dt.datetime.fromisoformat(text)
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            value = stamp.timestamp()
        except (ValueError, OverflowError, OSError):
            raise QueryError(
                "at", f"expected a time such as 2026-12-06T10:00:00Z, got {text[:40]!r}"
            ) from None
    if not math.isfinite(value) or not 0 <= value <= LATEST:
        raise QueryError("at", f"expected a time between 1970 and 9999, got {text[:40]!r}")
    return value


def load(
    informer: Informer, at: float, allowed: set[str] | None, requested: str | None = None
) -> Past:
    """The objects of ``informer``'s kind that existed at ``at`` and ``allowed`` shows;
    ``requested`` is the namespace the list is filtered to (for the trimmed count)."""
    kind = informer.kind
    namespaces = namespace_filter(allowed, kind)
    store = Store()
    # oldest first: if the record holds two objects under one name (rows written before
    # a relist recorded the end of an object recreated meanwhile), the newer one is kept
    for revision in asof.revisions_at(kind.key, at, namespaces):
        body = decode(revision.body)
        key = object_key(body)
        if key:
            store.put(
                Entry(key=key, obj=body, status=informer.status_of(body), since=revision.observed)
            )
    unknown = asof.unknown_at(kind.key, at, namespace_filter(allowed, kind, requested))
    return Past(kind, store, at, unknown)


def page(past: Past, query: ListQuery, *, token: str | None) -> Page:
    """A page of the past list; raises QueryError for a token of another query.

    The viewer's namespaces were cut when the past was loaded (``load``): the store holds
    only what they may see, so the page reads all of it."""
    return list_page(
        past, PageRequest(query, namespaces=None, stuck_after=math.inf, continue_token=token)
    )


@dataclass(frozen=True)
class Slider:
    """The time slider's range and marks: the recorded spans, as fractions of the range."""

    low: float
    high: float
    value: float
    step: int
    spans: tuple[tuple[float, float], ...]

    @classmethod
    def over(cls, record: asof.Coverage, value: float, now: float) -> Slider:
        low = record.earliest if record.earliest is not None else record.cutoff
        # whole seconds down: the slider's end must not be a moment in the future
        high = max(math.floor(now), math.ceil(low) + 1)
        step = max(1, int((high - low) / 2000))
        width = high - low
        spans = tuple(
            (max(0.0, (a - low) / width), min(1.0, (b - low) / width)) for a, b in record.spans
        )
        return cls(low, high, min(max(value, low), high), step, spans)

    def context(self) -> dict[str, Any]:
        return {
            "low": math.ceil(self.low),
            "high": int(self.high),
            "value": int(self.value),
            "step": self.step,
            "value_text": absolute(self.value),
            "low_text": absolute(self.low),
            "high_text": absolute(self.high),
            "spans": [
                {"x": f"{a * 100:.2f}", "w": f"{max(b - a, 0.002) * 100:.2f}"}
                for a, b in self.spans
            ],
        }


def default_at(record: asof.Coverage, now: float) -> float:
    earliest = record.earliest
    back = now - DEFAULT_BACK
    # whole seconds (what the URL carries), and up from the first recorded moment, since
    # a time before it would be refused
    return float(math.floor(back) if earliest is None or earliest <= back else math.ceil(earliest))


def summary_html(
    past: Past | None, at: float | None, result: Page | None, *, first: int, notice: str = ""
) -> str:
    return render_to_string(
        "ui/pages/listing/_past_summary.html",
        {
            "total": result.total if result is not None else 0,
            "first": first if result is not None and result.rows else 0,
            "last": first + len(result.rows) - 1 if result is not None and result.rows else 0,
            "at_text": absolute(at) if at is not None else "",
            "at_iso": iso(at) if at is not None else "",
            "unknown": past.unknown if past is not None else 0,
            "refused": result is None,
            "notice": notice,
        },
    )


def chosen_at(params: Mapping[str, Sequence[str]]) -> str:
    return (list(params.get("at") or [""]))[-1]
