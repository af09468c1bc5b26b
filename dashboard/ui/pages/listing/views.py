"""The kind list: filters, sort and page live in the URL; htmx swaps only ``#view``.

A malformed filter never blanks the page: an htmx request gets just the error box (the
table keeps the previous results), a full load shows the error and the results without
the bad parameter.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from dashboard.core.auth.access import visible_namespaces
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.query import DEFAULT_LIMIT, Listable, ListQuery, Page, QueryError
from dashboard.core.web import links
from dashboard.core.web.liveurl import live_url
from dashboard.history import asof as history_asof
from dashboard.ui.kinds import (
    informer_for,
    kinds_known,
)
from dashboard.ui.pages.common import (
    engine_page,
    filter_error,
    is_partial,
    page,
    unavailable,
    viewer,
)
from dashboard.ui.pages.listing import asof, listing
from informers import Engine, Informer, PrinterColumn, State, Store


@engine_page
def kind_list(request: HttpRequest, engine: Engine, group: str, plural: str) -> HttpResponse:
    who = viewer(request)
    try:
        informer = informer_for(engine, group, plural, who)
    except Http404:
        if not kinds_known(engine):
            return unavailable(request, "Still discovering the cluster's kinds; retrying.")
        raise
    params = {k: request.GET.getlist(k) for k in request.GET}
    query, error = listing.parse(params, informer.kind)
    if error is None:
        error = listing.columns_from(params, informer.kind)[1]
    if error is not None and (kept := filter_error(request, error)) is not None:
        return kept
    if "at" in params:
        return past_list(request, informer, params, query, error, who)
    allowed = visible_namespaces(who, informer.kind, "list")
    pager = listing.pager_from(params)
    stuck_after = engine.settings.stuck_threshold(informer.kind.key)
    notice = ""
    try:
        result = listing.page_for(
            informer, query, token=pager.token, allowed=allowed, stuck_after=stuck_after
        )
    except QueryError:
        notice = "that page link expired; showing the first page"
        pager = listing.Pager(params=pager.params, token=None)
        result = listing.page_for(
            informer, query, token=None, allowed=allowed, stuck_after=stuck_after
        )
    live_params = {k: v for k, v in params.items() if k in (*listing.FILTER_PARAMS, "prev")}
    context = list_context(
        informer,
        params,
        query,
        pager,
        result,
        allowed,
        summary_html=listing.summary_html(
            informer, result, pager, limit=query.limit, allowed=allowed, notice=notice
        ),
        live=live_url(
            "list",
            kind=informer.kind.key,
            **live_params,
            **({"continue": pager.token} if pager.token else {}),
        ),
    )
    context["error"] = error
    return page(
        request,
        "ui/pages/listing/page.html",
        context,
        partial="ui/pages/listing/_view.html",
        status=400 if error is not None else 200,
    )


def past_list(
    request: HttpRequest,
    informer: Informer,
    params: dict[str, list[str]],
    query: ListQuery,
    error: QueryError | None,
    who: Viewer,
) -> HttpResponse:
    """The kind's list at ``?at=``: static (no live feed), or the reason it cannot be.

    The viewer's namespaces are asked for those that held objects then, not only today's:
    a namespace emptied since would otherwise show its past to nobody but an admin."""
    now = time.time()
    record = history_asof.coverage(informer.kind.key, now=now)
    raw_at = asof.chosen_at(params)
    at: float | None = None
    refusal: QueryError | None = None
    try:
        at = asof.parse_at(raw_at) if raw_at else asof.default_at(record, now)
        record.check(at, now=now)
    except QueryError as exc:
        refusal = exc
    except history_asof.NotRecorded as exc:
        refusal = QueryError("at", f"the record cannot show this list then: {exc}")
    if query.stuck is not None:
        error = error or QueryError("stuck", "not known for a past time")
        query = dataclasses.replace(query, stuck=None)
    if at is not None and not raw_at:
        params = {**params, "at": [str(int(at))]}
    then = history_asof.namespaces_then(informer.kind.key, at) if at is not None else []
    allowed = visible_namespaces(who, informer.kind, "list", also=then)
    pager = listing.pager_from(params)
    past = (
        asof.load(informer, at, allowed, query.namespace)
        if at is not None and refusal is None
        else None
    )
    result: Page | None = None
    notice = ""
    if past is not None:
        try:
            result = asof.page(past, query, token=pager.token)
        except QueryError:
            notice = "that page link is for another list; showing the first page"
            pager = listing.Pager(params=pager.params, token=None)
            result = asof.page(past, query, token=None)
    first = (pager.number - 1) * query.limit + 1
    source = past if past is not None else asof.Past(informer.kind, Store(), now, 0)
    shown = result if result is not None else Page(rows=[], total=0, continue_token=None)
    context = list_context(
        source,
        params,
        query,
        pager,
        shown,
        allowed,
        summary_html=asof.summary_html(past, at, result, first=first, notice=notice),
        live=live_url("frame"),
    )
    # printer columns are read from the past revision; the age is counted to now
    context["headers"][-1]["label"] = "Age now"
    slider = asof.Slider.over(record, at if at is not None else now, now)
    context.update(
        past=slider.context(),
        at_value=raw_at or (str(int(at)) if at is not None else ""),
        live_list_url=share_url(
            links.kind_url(informer.kind),
            listing.pager_from({k: v for k, v in params.items() if k != "at"}),
        ),
        error=refusal or error,
    )
    # A refused time swaps in whole on an htmx request (htmx drops a 4xx), so the slider,
    # the reason and the empty list agree; a plain load says 400.
    failed = (refusal is not None or error is not None) and not is_partial(request)
    return page(
        request,
        "ui/pages/listing/page.html",
        context,
        partial="ui/pages/listing/_view.html",
        status=400 if failed else 200,
    )


def _headers(
    source: Listable, pager: listing.Pager, sort: str, columns: tuple[PrinterColumn, ...]
) -> list[dict[str, Any]]:
    kind = source.kind
    names: list[tuple[str, str, str]] = [("name", "Name", "")]
    if kind.namespaced:
        names.append(("namespace", "Namespace", ""))
    names.append(("state", "State", ""))
    for column in columns:
        numeric = column.type in ("integer", "number")
        names.append((column.name, column.name, "num" if numeric else ""))
    names.append(("age", "Age", "num"))
    headers = []
    for key, label, cls in names:
        direction = ""
        if sort == key:
            direction = "ascending"
        elif sort == f"-{key}":
            direction = "descending"
        headers.append(
            {"label": label, "url": pager.sort_url(key, sort), "dir": direction, "cls": cls}
        )
    return headers


#: the page sizes the list offers (any other ``limit`` up to the maximum works in the URL)
PAGE_SIZES = (25, 50, 100, 200, 500)


def share_url(base_url: str, pager: listing.Pager) -> str:
    """The view's filters and sort without its page: a shared link opens on the first page,
    since a page token expires and page 3 of a list that changes is not the same rows."""
    query = pager.url(**{"continue": None, "prev": None})
    return base_url + query if query != "?" else base_url


def list_context(
    source: Listable,
    params: dict[str, list[str]],
    query: Any,
    pager: listing.Pager,
    result: Page,
    allowed: set[str] | None,
    *,
    summary_html: str,
    live: str,
) -> dict[str, Any]:
    """The list page's context, for the live list and for a kind's past (``asof``)."""
    kind = source.kind
    columns, _ = listing.columns_from(params, kind)
    namespaces = [ns for ns in source.store.namespaces() if allowed is None or ns in allowed]
    chosen = (params.get("namespace") or [""])[-1]
    if chosen and chosen not in namespaces:
        namespaces = sorted([*namespaces, chosen])
    raw = {
        "namespace": chosen,
        "states": [s for v in params.get("state", []) for s in v.split(",")],
        "labelSelector": (params.get("labelSelector") or [""])[-1],
        "search": (params.get("search") or [""])[-1],
        "stuck": (params.get("stuck") or [""])[-1],
    }
    return {
        "kind": kind,
        "active_kind": kind.key,
        "query": query,
        "raw": raw,
        "base_url": links.kind_url(kind),
        "share_url": share_url(links.kind_url(kind), pager),
        "page_sizes": PAGE_SIZES,
        # the default is sent as "" (dropped from the URL, like every empty filter)
        "default_limit": DEFAULT_LIMIT,
        "namespaces": namespaces,
        "states": [s.value for s in State],
        "has_filters": any(
            raw[k] for k in ("namespace", "states", "labelSelector", "search", "stuck")
        ),
        "headers": _headers(source, pager, query.sort, columns),
        "rows_html": listing.rows_html(kind, result.rows, columns),
        "column_choices": [
            {
                "name": c.name,
                "wide": c.priority > 0,
                "shown": c in columns,
                "default": c in listing.display_columns(kind),
            }
            for c in listing.column_choices(kind)
        ],
        "summary_html": summary_html,
        "pager_html": listing.pager_html(result, pager),
        "live_url": live,
    }
