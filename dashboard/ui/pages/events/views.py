"""``/events/``: Kubernetes Events across every watched kind, newest last-seen first.

Why a page of its own: the apiserver forgets Events after an hour and shows them per
object; an operator asks "what is warning, anywhere, since this morning?". Filters live in
the URL (a GET form, as on the kind list), so a view can be shared and reloaded. A bad
parameter answers 400 with the reason on the page and the Events without that parameter;
an expired or foreign page token falls back to the first page with a notice.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from dashboard.core.listing.query import QueryError
from dashboard.core.web.liveurl import live_url
from dashboard.ui.fragments import join_safe
from dashboard.ui.pages.common import (
    bad_request,
    engine_page,
    filter_error,
    page,
    viewer,
)
from dashboard.ui.pages.events import eventrows, filters
from dashboard.ui.pages.events.filters import EventFilters
from dashboard.ui.pages.home.scope import BadScope, home_scope, with_scope
from informers import Engine

TOKEN_PARAM = "continue"


def rows_html(items: list[eventrows.EventItem], variant: str = "") -> SafeString:
    return join_safe(row_html(item, variant) for item in items)


def row_html(item: eventrows.EventItem, variant: str = "") -> str:
    return render_to_string("ui/pages/events/_row.html", {"item": item, "variant": variant})


def summary_html(result: eventrows.EventsPage, chosen: EventFilters) -> str:
    return render_to_string(
        "ui/pages/events/_summary.html", {"total": result.total, "shown": chosen.limit}
    )


def feed_params(chosen: EventFilters) -> dict[str, str]:
    """The filters and page size, as the URL (and the live socket) carries them."""
    params = chosen.params()
    if chosen.limit != filters.DEFAULT_LIMIT:
        params["limit"] = str(chosen.limit)
    return params


def url_for(chosen: EventFilters, **extra: str) -> str:
    params = {**feed_params(chosen), **extra}
    return f"/events/?{urlencode(params)}" if params else "/events/"


@engine_page
def events_page(request: HttpRequest, engine: Engine) -> HttpResponse:
    who = viewer(request)
    params = {k: request.GET.getlist(k) for k in request.GET}
    chosen, error = filters.parse(params)
    if error is not None and (kept := filter_error(request, error)) is not None:
        return kept
    token = (params.get(TOKEN_PARAM) or [""])[-1] or None
    notice = ""
    visible = eventrows.visible_kinds(engine, who)  # read once: rows, kinds, namespaces
    try:
        result = eventrows.page(engine, who, chosen, token=token, visible=visible)
    except QueryError:
        notice = "that page link expired; showing the newest Events"
        token = None
        result = eventrows.page(engine, who, chosen, visible=visible)
    kinds = sorted((kind for kind, _ in visible.values()), key=lambda k: (k.kind, k.group))
    context: dict[str, Any] = {
        "filters": chosen,
        "error": error,
        "types": filters.TYPES,
        "windows": list(filters.WINDOWS),
        "kinds": kinds,
        "namespaces": _with_chosen(eventrows.namespaces(visible), chosen.namespace),
        "rows_html": rows_html(result.items),
        "summary_html": summary_html(result, chosen),
        "notice": notice,
        "share_url": url_for(chosen),
        "first_url": url_for(chosen) if token else "",
        "next_url": url_for(chosen, **{TOKEN_PARAM: result.continue_token})
        if result.continue_token
        else "",
        "retention_days": _days(settings.CRSCOPE_HISTORY_MAX_AGE_DAYS),
        # Only the newest page takes new rows; an older one keeps the rail and the bell live.
        "live_url": live_url("frame") if token else live_url("events", **feed_params(chosen)),
        "active_kind": chosen.kind,
    }
    return page(
        request,
        "ui/pages/events/page.html",
        context,
        partial="ui/pages/events/_view.html",
        status=400 if error is not None else 200,
    )


def _with_chosen(found: list[str], chosen: str) -> list[str]:
    """The choices, with the chosen namespace kept (it may just have no Events)."""
    return sorted({*found, chosen}) if chosen else found


def _days(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


#: How often the home page's "Current, but warning" section refreshes itself (seconds).
WARNED_EVERY = 20


@engine_page
def warned(request: HttpRequest, engine: Engine) -> HttpResponse:
    """The home page's "Current, but warning" section, for this viewer.

    Why a fragment the home page loads (and re-polls) rather than part of it: the home
    page and its live feed read only the engine's cache, so they keep working while the
    history database is down or slow; this section is the one part that needs it.
    """
    try:
        namespace = home_scope(dict(request.GET.lists()))
    except BadScope as exc:
        return bad_request(request, str(exc))
    objects = eventrows.warned_current(engine, viewer(request), namespace=namespace or "")
    return render(
        request,
        "ui/pages/home/_warned.html",
        {
            "objects": objects,
            "every": WARNED_EVERY,
            "self_url": with_scope("/events/warned/", namespace),
            "all_url": with_scope("/events/?type=Warning&window=1h", namespace),
        },
    )
