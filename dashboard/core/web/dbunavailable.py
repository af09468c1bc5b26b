"""A database that is busy or unreachable answers 503 with Retry-After, not a 500.

Why: the history and notification tables live in SQLite (one writer at a time) or
PostgreSQL (which restarts and fails over). A lock held too long or a dropped connection
is not a bug in the request, and a client that sees 503 with Retry-After knows to try
again, while a 500 says "broken". Only those transient failures qualify: SQLite reports
schema and SQL mistakes ("no such table") as OperationalError too, and those stay 500s
with their traceback logged.

It is Django's 500 handler (``handler500``), not a middleware, so it also covers errors
raised by middleware (sessions and sign-in read the database). The API's problem
handlers use :func:`is_transient` the same way (see ``dashboard.api.problems``).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from dashboard.core.web.problem import problem_response

RETRY_AFTER_SECONDS = 2
MESSAGE = "the database is busy or unreachable; retry shortly"
#: SQLite's words for "another connection holds the lock" (timeout spent, or shared cache).
_SQLITE_BUSY = ("database is locked", "database table is locked")


def is_transient(exc: BaseException) -> bool:
    """Would the same request probably succeed in a moment?"""
    if isinstance(exc, InterfaceError):  # the connection is gone
        return True
    if not isinstance(exc, OperationalError):
        return False
    if connections["default"].vendor == "sqlite":
        return str(exc).startswith(_SQLITE_BUSY)
    # PostgreSQL: connection failures, restarts, deadlocks and cancelled statements are
    # OperationalError; schema and SQL mistakes are ProgrammingError.
    return True


def unavailable_response(*, api: bool) -> HttpResponse:
    """The 503: an RFC 9457 problem for the API, a page for people."""
    if api:
        response = problem_response(503, MESSAGE, slug="database-unavailable")
    else:  # rendered without the request: context processors may read the database too
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: a 503 for a transient database failure, Django's 500 otherwise.

    Django has logged the exception with its traceback by the time the response goes out
    (``log_response`` logs every 5xx with the exception), so nothing is lost either way.
    """
    exc = sys.exc_info()[1]
    if exc is not None and is_transient(exc):
        return unavailable_response(api=request.path.startswith("/api/"))
    return defaults.server_error(request, template_name)
