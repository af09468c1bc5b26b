"""A database that is busy or unreachable answers 503 with Retry-After, not a 500.

Why: the history and notification tables live in SQLite (one writer at a time) or
PostgreSQL (which restarts and fails over). Neither is a bug in the request, and a
client that sees 503 with Retry-After knows to try again, while a 500 says "broken".
The API's problem handlers do the same for ``/api/`` (see ``dashboard.api.problems``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

#: Exceptions that mean "the database cannot answer now", not "this request is wrong".
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 2
MESSAGE = "the database is busy or unreachable; retry shortly"


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, UNAVAILABLE):
            return None
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        response = HttpResponse(
            render_to_string("503.html", {"message": MESSAGE}, request=request), status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
