"""The list page's model: query parsing, the page of rows, row fragments and link building.

Why shared by the view and the live feed: both must show exactly the same rows for the
same URL (the feed recomputes the page after each batch and diffs it against what the
browser has). Filtering, sorting and paging are ``dashboard.core.listing.query``'s, so the UI and
the REST API agree on what a filter means and where a page ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from dashboard.core.auth.access import sync_progress
from dashboard.core.listing import pagecache
from dashboard.core.listing.query import (
    ListQuery,
    Page,
    PageRequest,
    QueryError,
    Row,
    parse_list_query,
)
from dashboard.core.web import links
from dashboard.ui.fragments import cache, dom_id, join_safe
from informers import Informer, KindInfo, PrinterColumn, Status

Variant = Literal["", "flash", "leaving"]
#: what a list URL keeps from page to page (``at`` is the time of a past list, ``asof``)
FILTER_PARAMS = (
    "namespace",
    "state",
    "labelSelector",
    "search",
    "stuck",
    "sort",
    "limit",
    "at",
    "columns",
)


def _is_age(column: PrinterColumn) -> bool:
    return column.json_path.strip("{}$ ") == ".metadata.creationTimestamp"


def display_columns(kind: KindInfo) -> tuple[PrinterColumn, ...]:
    """Printer columns kubectl shows by default, minus creationTimestamp (we show age)."""
    return tuple(c for c in kind.columns if c.priority == 0 and not _is_age(c))


def column_choices(kind: KindInfo) -> tuple[PrinterColumn, ...]:
    """Every printer column a list may show: the default ones and those kubectl keeps for
    ``-o wide`` (priority > 0); the age is always shown."""
    return tuple(c for c in kind.columns if not _is_age(c))


def columns_from(
    params: Mapping[str, Sequence[str]], kind: KindInfo
) -> tuple[tuple[PrinterColumn, ...], QueryError | None]:
    """The printer columns ``?columns=`` chooses (kubectl's default when none), in the CRD's
    order, and the first unknown name (left out)."""
    names = [n.strip() for v in params.get("columns", []) for n in v.split(",") if n.strip()]
    if not names:
        return display_columns(kind), None
    choices = column_choices(kind)
    known = {c.name for c in choices}
    unknown = [n for n in names if n not in known]
    error = None
    if unknown:
        error = QueryError(
            "columns",
            f"no column {unknown[0][:60]!r}; use some of {', '.join(sorted(known)) or 'none'}",
        )
    chosen = tuple(c for c in choices if c.name in names)
    return (chosen or display_columns(kind)), error


def parse(
    params: Mapping[str, Sequence[str]], kind: KindInfo
) -> tuple[ListQuery, QueryError | None]:
    """The query, or the best query without the bad parameters plus the first error."""
    names = [c.name for c in kind.columns]
    remaining = {k: list(v) for k, v in params.items() if k in FILTER_PARAMS}
    first: QueryError | None = None
    for _ in range(len(FILTER_PARAMS) + 1):
        try:
            return parse_list_query(remaining, columns=names), first
        except QueryError as exc:
            first = first or exc
            remaining.pop(exc.param, None)
    return ListQuery(), first


def page_for(
    informer: Informer,
    query: ListQuery,
    *,
    token: str | None,
    allowed: set[str] | None,
    stuck_after: float,
) -> Page:
    """The list page, from the memo it shares with the REST API.

    Raises QueryError for a continue token this server did not issue (for example, one
    issued before a restart with another secret key).
    """
    return pagecache.page(
        informer,
        PageRequest(query, namespaces=allowed, stuck_after=stuck_after, continue_token=token),
    )


def row_id(kind: KindInfo, key: str) -> str:
    return dom_id("r", kind.key, key)


def row_version(row: Row) -> str:
    """What the live list compares to re-push a row: reloaded health rules change a state
    without a new resourceVersion, so the state's reading is part of it."""
    status = hash(_status_key(row.entry.status))
    return f"{row.entry.resource_version}|{int(row.stuck)}|{status}"


def row_html(
    kind: KindInfo,
    row: Row,
    variant: Variant = "",
    columns: tuple[PrinterColumn, ...] | None = None,
) -> str:
    """One ``<tr>``, rendered once per (object version, stuck, variant, columns) for all
    viewers; ``columns`` are the printer columns shown (``columns_from``)."""
    columns = display_columns(kind) if columns is None else columns
    key = (
        "row",
        kind.key,
        columns,
        row.entry.key,
        row.entry.resource_version,
        row.stuck,
        variant,
        # Reloaded health rules change a state (and its why) without a new version.
        _status_key(row.entry.status),
    )
    entry = row.entry
    return cache.get(
        key,
        lambda: render_to_string(
            "ui/pages/listing/_row.html",
            {
                "kind": kind,
                "entry": entry,
                "stuck": row.stuck,
                "variant": variant,
                "row_id": row_id(kind, entry.key),
                "url": links.object_url(kind, entry.namespace, entry.name),
                "cells": [(c, row.columns.get(c.name)) for c in columns],
            },
        ),
    )


def _status_key(status: Status) -> tuple[str, ...]:
    return (status.state, status.reason, status.message, status.rule, status.when)


def rows_html(
    kind: KindInfo, rows: Sequence[Row], columns: tuple[PrinterColumn, ...] | None = None
) -> SafeString:
    return join_safe(row_html(kind, r, columns=columns) for r in rows)


@dataclass
class Pager:
    """Keyset pages: the URL holds this page's token and the tokens of the pages before."""

    params: dict[str, list[str]]
    token: str | None
    previous: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        return len(self.previous) + 1

    def url(self, **changes: list[str] | None) -> str:
        params = {k: [x for x in v if x] for k, v in self.params.items() if k in FILTER_PARAMS}
        params = {k: v for k, v in params.items() if v}
        if self.token:
            params["continue"] = [self.token]
        if self.previous:
            params["prev"] = list(self.previous)
        for name, value in changes.items():
            if value:
                params[name] = value
            else:
                params.pop(name, None)
        query = urlencode([(k, v) for k, vs in params.items() for v in vs])
        return f"?{query}" if query else "?"

    def next_url(self, next_token: str) -> str:
        return self.url(**{"continue": [next_token], "prev": [*self.previous, self.token or ""]})

    def prev_url(self) -> str:
        if not self.previous:
            return self.url(**{"continue": None, "prev": None})
        token = self.previous[-1]
        return self.url(**{"continue": [token] if token else None, "prev": self.previous[:-1]})

    def sort_url(self, column: str, current: str) -> str:
        target = f"-{column}" if current == column else column
        return self.url(sort=[target], **{"continue": None, "prev": None})


def summary_html(
    informer: Informer,
    page: Page,
    pager: Pager,
    *,
    limit: int,
    allowed: set[str] | None,
    notice: str = "",
) -> str:
    """The "showing i-j of n" line; like the pager, rendered once per distinct content for
    every viewer (each live page re-checks both on every flush)."""
    first = (pager.number - 1) * limit + 1 if page.rows else 0
    progress = sync_progress(informer, allowed)
    context = {
        "total": page.total,
        "first": first,
        "last": first + len(page.rows) - 1 if page.rows else 0,
        "synced": informer.synced,
        "unavailable": informer.unavailable,
        "loaded": progress.loaded,
        "sync_total": progress.total,
        "notice": notice,
    }
    return _rendered("ui/pages/listing/_summary.html", context)


def pager_html(page: Page, pager: Pager) -> str:
    context = {
        "number": pager.number,
        "prev_url": pager.prev_url(),
        "first_url": pager.url(**{"continue": None, "prev": None}),
        "next_url": pager.next_url(page.continue_token) if page.continue_token else None,
    }
    return _rendered("ui/pages/listing/_pager.html", context)


def _rendered(template: str, context: dict[str, Any]) -> str:
    """A template of plain values, from the shared fragment cache."""
    key = (template, *context.items())
    return cache.get(key, lambda: render_to_string(template, context))


def pager_from(params: Mapping[str, Sequence[str]]) -> Pager:
    token = (list(params.get("continue") or [""])[-1]) or None
    previous = list(params.get("prev", []))[:50]
    kept = {k: list(v) for k, v in params.items() if k in FILTER_PARAMS}
    return Pager(params=kept, token=token, previous=previous)
