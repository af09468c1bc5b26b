"""Which browser origins may talk to us with the user's cookie: the one rule for sockets and API.

Why a full-origin rule: a page served from another port or scheme of the same host is a
different site to the browser, yet it carries our session cookie (cookies ignore ports).
Comparing only the host let such a page open our WebSocket and read a signed-in user's
list. An origin is ours when scheme, host and port all equal one of:

- the request's own origin (its scheme and ``Host`` header, when that host is allowed),
- the configured public URL (``CRSCOPE_PUBLIC_URL``, the address behind a TLS ingress),
- an entry of ``CRSCOPE_CSRF_TRUSTED_ORIGINS``.

A missing Origin is refused where this rule is asked: browsers always send one on
WebSocket handshakes and cross-site POSTs, so only a non-browser client omits it, and such
a client can send a bearer token instead.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import CsrfViewMiddleware

log = logging.getLogger(__name__)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, with the scheme's default port; None if
    it is not an http(s) origin (``null``, ``file://``, garbage)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def _configured() -> list[tuple[str, str, int]]:
    public = settings.CRSCOPE_PUBLIC_URL
    found = [normalize(text) for text in [public, *settings.CSRF_TRUSTED_ORIGINS] if text]
    return [origin for origin in found if origin is not None]


def own_origin(*, scheme: str, host: str) -> tuple[str, str, int] | None:
    """The origin a request addressed to ``host`` over ``scheme`` came to, if ``host`` is
    one of ``ALLOWED_HOSTS`` (a forged Host header must not vouch for itself)."""
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return normalize(f"{'https' if scheme in ('https', 'wss') else 'http'}://{host}")


def is_trusted(origin: str | None, *, scheme: str, host: str) -> bool:
    """True when ``origin`` (the Origin header) is exactly ours; see the module docstring."""
    if not origin:
        return False
    wanted = normalize(origin)
    if wanted is None:
        return False
    return wanted == own_origin(scheme=scheme, host=host) or wanted in _configured()


def cross_site_refusal(request: HttpRequest) -> str | None:
    """Why an unsafe API request that relies on ambient credentials (the session cookie, or
    loopback in ``none`` mode) must be refused, or None when it may proceed.

    Ninja's views are exempt from Django's CSRF middleware, so this is the API's CSRF
    check: a trusted Origin, or else (no Origin at all, a non-browser client) Django's
    CSRF token. A request with ``Authorization`` is not asked: browsers never add that
    header to a cross-site request on their own.
    """
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return None
    origin = request.headers.get("origin")
    if origin is not None:
        if is_trusted(origin, scheme=request.scheme or "http", host=request.get_host()):
            return None
        return f"cross-site request from origin {origin[:200]!r} refused"
    refused = CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {})
    if refused is None:
        return None
    return "an Origin header or a CSRF token is required without a bearer token"


def _no_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


class WebSocketOriginValidator:
    """ASGI middleware: refuse a WebSocket handshake unless its Origin is exactly ours."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            headers = dict(scope.get("headers") or [])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if not is_trusted(origin, scheme=scope.get("scheme", "ws"), host=host):
                log.warning("refused a WebSocket from origin %r (host %r)", origin[:200], host)
                return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
