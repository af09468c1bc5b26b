"""URL map under ``/api/``: ``v1/...`` endpoints, ``schema`` (OpenAPI 3) and ``docs``.

Anything else under ``/api/`` answers a problem+json 404 rather than Django's HTML page, so
API clients always get the error format they were promised.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from ninja import Router

from dashboard.api import (
    events,
    health,
    healthrules,
    history,
    objects,
    problems,
    resources,
    watch,
)
from dashboard.api.openapi import CrscopeAPI, LocalSwagger, OrjsonRenderer
from dashboard.core.web import apierror

api = CrscopeAPI(
    title="crscope API",
    version="1",
    description=(
        "Read-only JSON views of the Kubernetes custom resources crscope watches, served "
        "from its in-memory cache and history database. Errors are RFC 9457 problem "
        "details. Lists page with `limit` and `continue`, like Kubernetes."
    ),
    openapi_url="/schema",
    docs_url="/docs",
    docs=LocalSwagger(),
    urls_namespace="api",
    renderer=OrjsonRenderer(),
)
problems.install(api)
for module in (resources, objects, history, events, health, healthrules, watch):
    api.add_router("/v1/", module.router)


def mount(router: Router) -> None:
    """Add an app's endpoints under ``/v1/``: the hook through which apps above the API
    (notifications) join it without the API importing them. The root URL map calls it
    before it asks for ``patterns()``; routers mounted later would be missed."""
    api.add_router("/v1/", router)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return apierror.problem_response(apierror.not_found(f"no API endpoint at {request.path}"))


def patterns() -> list[Any]:
    """The URL patterns under ``/api/``, with every mounted router."""
    return [
        path("", not_found),  # before ninja's own root view, which raises an HTML 404
        path("", api.urls),
        re_path(r"^(?P<rest>.*)$", not_found),
    ]
