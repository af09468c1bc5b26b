"""The API's error vocabulary: the problem a view raises, and the responses it documents.

Why in core: the REST API and the notifications app's endpoints (mounted into the same
API) both raise these, and neither may import the other. The handlers that turn them into
responses are installed on the API by ``dashboard.api.problems``; the body's shape is
``dashboard.core.web.problem``.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse
from pydantic import BaseModel, ConfigDict, Field

from dashboard.core.web.problem import PROBLEM_JSON, problem_body


class Problem(BaseModel):
    """RFC 9457 problem details; extra members (e.g. ``deleted``) may follow."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    param: str | None = Field(default=None, description="The query parameter that was wrong")


class ApiProblem(Exception):
    """A failure to report to the client; ``slug`` becomes the problem ``type``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.param = param
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body = problem_body(self.status, self.detail, slug=self.slug)
        if self.param is not None:
            body["param"] = self.param
        body.update(self.extra)
        return body


def bad_param(param: str, message: str) -> ApiProblem:
    return ApiProblem(400, f"{param}: {message}", slug="bad-parameter", param=param)


def not_found(detail: str, **extra: Any) -> ApiProblem:
    return ApiProblem(404, detail, slug="not-found", extra=extra)


def problem_response(problem: ApiProblem) -> HttpResponse:
    response = HttpResponse(
        orjson.dumps(problem.body()), status=problem.status, content_type=PROBLEM_JSON
    )
    for name, value in problem.headers.items():
        response[name] = value
    return response


def error_responses(*statuses: int) -> dict[int, type[Problem]]:
    """The problem responses an endpoint documents: the given ones, plus 401 (credentials),
    404, 414 (a URL over 8 KiB, dashboard.core.web.limits), 429 (the per-user rate limit) and
    503 (no cluster configuration, or a busy or unreachable database:
    ``urn:crscope:problem:database-unavailable``, with Retry-After)."""
    return {status: Problem for status in sorted({*statuses, 401, 404, 414, 429, 503})}
