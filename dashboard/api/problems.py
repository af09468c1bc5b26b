"""Errors as RFC 9457 problem details (``application/problem+json``).

Why one module: every failure a client can see (a bad parameter, a kind it may not see, an
engine that is down) must have the same shape, name the offending parameter, and never be
an HTML page or a stack trace. Views raise :class:`ApiProblem`; the handlers installed here
turn it, and every other exception, into a problem response. The catch-all for unexpected
exceptions is a last resort that logs the traceback: tests assert it is never reached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from dashboard.core.auth.identity import AuthenticationError, NotAuthenticated
from dashboard.core.listing.query import QueryError
from dashboard.core.web import dbunavailable
from dashboard.core.web.apierror import ApiProblem, bad_param, not_found, problem_response

log = logging.getLogger(__name__)


def _validation_problem(exc: ValidationError) -> ApiProblem:
    """Ninja's 422 for a mistyped parameter becomes a 400 naming the parameter."""
    first = exc.errors[0] if exc.errors else {}
    # loc is (source, name) or, for a list inside a parameter model, (source, model
    # argument, name, index): the parameter is the last part that is not an index.
    names = [str(part) for part in first.get("loc", ())[1:] if not isinstance(part, int)]
    param = names[-1] if names else "request"
    message = str(first.get("msg", "invalid value"))
    return bad_param(param, message[:300])


def _database_error(request: HttpRequest, exc: Any) -> HttpResponse:
    """A transient database failure is a 503 to retry; any other is a bug (500, logged)."""
    if not dbunavailable.is_transient(exc):
        return _unexpected(request, exc)
    log.warning("api: database unavailable on %s %s: %s", request.method, request.path, exc)
    return dbunavailable.unavailable_response(api=True)


def _unauthenticated(exc: Exception) -> ApiProblem:
    return ApiProblem(
        401,
        str(exc) or "invalid credentials",
        slug="unauthenticated",
        headers={"WWW-Authenticate": 'Bearer realm="crscope"'},
    )


#: exception class -> how it becomes a problem; ninja picks the most specific class.
_CONVERTERS: dict[type[Exception], Callable[[Any], ApiProblem]] = {
    ApiProblem: lambda exc: exc,
    QueryError: lambda exc: bad_param(exc.param, exc.message),
    ValidationError: _validation_problem,
    AuthenticationError: _unauthenticated,
    NotAuthenticated: _unauthenticated,
    Http404: lambda exc: not_found(str(exc) or "not found"),
    HttpError: lambda exc: ApiProblem(exc.status_code, str(exc), slug="http-error"),
}


def install(api: NinjaAPI) -> None:
    """Register the problem handlers on ``api``, and the logging catch-all."""
    for exc_class, convert in _CONVERTERS.items():
        api.add_exception_handler(exc_class, _handler(convert))
    for exc_class in (OperationalError, InterfaceError):
        api.add_exception_handler(exc_class, _database_error)
    api.add_exception_handler(Exception, _unexpected)


def _handler(convert: Callable[[Any], ApiProblem]) -> Callable[[HttpRequest, Any], HttpResponse]:
    def handle(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(convert(exc))

    return handle


def _unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
    log.exception("api: unexpected error on %s %s", request.method, request.path)
    return problem_response(
        ApiProblem(500, "unexpected server error; see the server log", slug="internal")
    )
