"""What every page view shares: the viewer and partial-vs-full responses.

Why: htmx requests for a view (filters, sort, paging) get just the ``#view`` section;
history restores and plain loads get the whole frame. ``Vary: HX-Request`` keeps browser
caches from mixing the two.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url, reswap, retarget

from dashboard.core.auth.identity import viewer_for_request
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.query import QueryError
from dashboard.core.web.htmx import htmx
from dashboard.ui.kinds import EngineUnavailable, current_engine
from informers import Engine


def viewer(request: HttpRequest) -> Viewer:
    return viewer_for_request(request)


def is_partial(request: HttpRequest) -> bool:
    details = htmx(request)
    return bool(details) and not details.history_restore_request and details.target == "view"


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    chosen = partial if partial is not None and is_partial(request) else template
    response = render(request, chosen, {"viewer": viewer(request), **context}, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def unavailable(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request,
        "ui/pages/error.html",
        {
            "title": "The cluster is not available",
            "message": reason,
            "status": 503,
            "refresh": True,
        },
        status=503,
    )


def bad_request(request: HttpRequest, reason: str) -> HttpResponse:
    """A 400 page naming the parameter that cannot be read, never a silent default."""
    return render(
        request,
        "ui/pages/error.html",
        {"title": "That address cannot be read", "message": reason, "status": 400},
        status=400,
    )


def filter_error(request: HttpRequest, error: QueryError) -> HttpResponse | None:
    """For a filter form's htmx request with a value that cannot be read: the error alone,
    swapped in beside the form, which keeps the rows shown and the URL as it was (a bad
    filter must not replace the list with an error page). None for a full page load,
    which shows the error in the page instead."""
    if not is_partial(request):
        return None
    response = render(request, "ui/pages/listing/_error.html", {"error": error, "kept": True})
    return push_url(reswap(retarget(response, "#filter-error"), "outerHTML"), False)


Params = ParamSpec("Params")


def engine_page(
    view: Callable[Concatenate[HttpRequest, Engine, Params], HttpResponse],
) -> Callable[Concatenate[HttpRequest, Params], HttpResponse]:
    """Route a page that reads the engine's cache: it is called with the running engine,
    and answers 503 with the reason while there is none (never an empty cluster)."""

    @functools.wraps(view)
    def routed(
        request: HttpRequest, /, *args: Params.args, **kwargs: Params.kwargs
    ) -> HttpResponse:
        try:
            engine = current_engine()
        except EngineUnavailable as exc:
            return unavailable(request, str(exc))
        return view(request, engine, *args, **kwargs)

    return routed
