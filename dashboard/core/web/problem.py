"""The one shape of an RFC 9457 problem body, for every layer that refuses an API call.

Why in core: most API errors are raised in views (``dashboard.api.problems``), but some
are answered before a view runs — authentication, the cross-site check and the rate
limit (``auth.authn``), a busy database (``web.dbunavailable``) and the request size
limits (``web.limits``). They used to write their own bodies, typed ``about:blank``,
so the same 401 or 429 had two ``type`` values depending on which layer refused it. The
API documents ``urn:crscope:problem:<slug>`` (see ``dashboard.api.openapi``); every
layer now builds its body here.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from django.http import HttpResponse

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:crscope:problem:"


def problem_body(status: int, detail: str, *, slug: str, **extra: Any) -> dict[str, Any]:
    """``type`` from ``slug``, ``title`` from the status, then any extra members."""
    return {
        "type": TYPE_PREFIX + slug,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem_response(status: int, detail: str, *, slug: str, **extra: Any) -> HttpResponse:
    """A problem+json response (headers such as Retry-After are the caller's to add)."""
    body = orjson.dumps(problem_body(status, detail, slug=slug, **extra))
    return HttpResponse(body, status=status, content_type=PROBLEM_JSON)
