"""What htmx says about a request (``HX-*`` headers), read one way everywhere.

Why django-htmx rather than reading headers: three hand-written readers disagreed (one
tested ``HX-Request`` for truthiness, the others compared it with ``"true"``). The
library's middleware parses the headers once per request; this accessor gives views a
typed handle on it, and parses on the spot for a request the middleware never saw (a
test's RequestFactory).
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


def htmx(request: HttpRequest) -> HtmxDetails:
    found = getattr(request, "htmx", None)
    return found if isinstance(found, HtmxDetails) else HtmxDetails(request)
