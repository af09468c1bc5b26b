"""The kind list: filters, sort and page live in the URL; htmx swaps only ``#view``.

A malformed filter never blanks the page: an htmx request gets just the error box (the
table keeps the previous results), a full load shows the error and the results without
the bad parameter.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.core.auth.access import visible_namespaces
from dashboard.core.listing.query import DEFAULT_LIMIT, Page, QueryError
from dashboard.core.web import links
from dashboard.core.web.liveurl import live_url
from dashboard.ui.kinds import (
    EngineUnavailable,
    current_engine,
    informer_for,
    kinds_known,
)
from dashboard.ui.pages.common import is_partial, page, unavailable, viewer
from dashboard.ui.pages.listing import listing
from informers import Informer, State


def kind_list(request: HttpRequest, group: str, plural: str) -> HttpResponse:
    try:
        engine = current_engine()
    except EngineUnavailable as exc:
        return unavailable(request, str(exc))
    who = viewer(request)
    try:
        informer = informer_for(group, plural, who)
    except Http404:
        if not kinds_known(engine):
            return unavailable(request, "Still discovering the cluster's kinds; retrying.")
        raise
    params = {k: request.GET.getlist(k) for k in request.GET}
    query, error = listing.parse(params, informer.kind)
    if error is not None and is_partial(request):
        response = render(request, "ui/list/_error.html", {"error": error, "kept": True})
        response["HX-Retarget"] = "#filter-error"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Push-Url"] = "false"
        return response
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
    context = list_context(informer, params, query, pager, result, allowed, notice=notice)
    context["error"] = error
    return page(
        request,
        "ui/list.html",
        context,
        partial="ui/list/_view.html",
        status=400 if error is not None else 200,
    )


def _headers(informer: Informer, pager: listing.Pager, sort: str) -> list[dict[str, Any]]:
    kind = informer.kind
    names: list[tuple[str, str, str]] = [("name", "Name", "")]
    if kind.namespaced:
        names.append(("namespace", "Namespace", ""))
    names.append(("state", "State", ""))
    for column in listing.display_columns(kind):
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
    informer: Informer,
    params: dict[str, list[str]],
    query: Any,
    pager: listing.Pager,
    result: Page,
    allowed: set[str] | None,
    *,
    notice: str = "",
) -> dict[str, Any]:
    kind = informer.kind
    namespaces = [ns for ns in informer.store.namespaces() if allowed is None or ns in allowed]
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
    live_params = {k: v for k, v in params.items() if k in (*listing.FILTER_PARAMS, "prev")}
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
        "headers": _headers(informer, pager, query.sort),
        "rows_html": listing.rows_html(kind, result.rows),
        "summary_html": listing.summary_html(
            informer, result, pager, limit=query.limit, allowed=allowed, notice=notice
        ),
        "pager_html": listing.pager_html(result, pager),
        "live_url": live_url(
            "list",
            kind=kind.key,
            **live_params,
            **({"continue": pager.token} if pager.token else {}),
        ),
    }
