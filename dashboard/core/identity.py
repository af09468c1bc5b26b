"""Resolve the Viewer for an HTTP request or a WebSocket scope, in every auth mode.

The rules (docs: contracts.md):
- A request carrying ``Authorization: Bearer <token>`` is that token's user, validated by
  TokenReview, in every mode. An invalid token is a 401, never anonymous.
- ``token`` mode: the bearer header (API) or the token saved by the sign-in form (UI).
- ``proxy`` mode: user and group headers set by an auth proxy, trusted only when the
  connection comes from an address in ``CRSCOPE_TRUSTED_PROXIES``; forged ones are
  ignored and logged.
- ``none`` mode: requests without credentials act as the server's own identity, and only
  over loopback (the demo).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dashboard.core.access import SERVER, Viewer
from dashboard.core.kubeapi import ReviewUnavailable, post_review

log = logging.getLogger(__name__)
TOKEN_REVIEW_PATH = "/apis/authentication.k8s.io/v1/tokenreviews"
SESSION_TOKEN_KEY = "crscope_token"


class AuthenticationError(Exception):
    """Credentials were given but are not valid: answer 401, never fall back to anonymous."""


class NotAuthenticated(Exception):
    """No credentials where the mode needs them: the API answers 401, the UI signs in."""


def _networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            log.error("CRSCOPE_TRUSTED_PROXIES: ignoring invalid network %r", part)
    return nets


TRUSTED_PROXIES = _networks(os.environ.get("CRSCOPE_TRUSTED_PROXIES", ""))
USER_HEADER = os.environ.get("CRSCOPE_PROXY_USER_HEADER", "X-Forwarded-User")
GROUPS_HEADER = os.environ.get("CRSCOPE_PROXY_GROUPS_HEADER", "X-Forwarded-Groups")
TOKEN_CACHE_SECONDS = 60.0


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _trusted_proxy(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in TRUSTED_PROXIES)


class TokenReviewer:
    """TokenReview with a short cache keyed by the token's hash (never the token itself)."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, Viewer | None]] = {}
        self._lock = threading.Lock()

    def review(self, token: str) -> Viewer:
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
            viewer = hit[1]
        else:
            viewer = self._ask(token)
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now, viewer)
        if viewer is None:
            raise AuthenticationError("the bearer token is invalid or expired")
        return viewer

    def _ask(self, token: str) -> Viewer | None:
        body = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": {"token": token},
        }
        try:
            status = post_review(TOKEN_REVIEW_PATH, body).get("status") or {}
        except ReviewUnavailable as exc:
            log.warning("authentication: %s", exc)
            raise AuthenticationError("the token could not be verified right now") from exc
        if not status.get("authenticated"):
            return None
        user = status.get("user") or {}
        return Viewer(
            username=str(user.get("username", "")),
            groups=tuple(str(g) for g in user.get("groups") or []),
            uid=str(user.get("uid", "")),
            token=token,
        )


token_reviewer = TokenReviewer()


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def resolve(
    *, headers: Mapping[str, str], client: str | None, server: str | None, session_token: str | None
) -> Viewer:
    """The viewer for lower-cased ``headers`` from ``client`` to our ``server`` address."""
    token = _bearer(headers)
    if token is not None:
        return token_reviewer.review(token)
    mode = settings.CRSCOPE_AUTH_MODE
    if mode == "proxy":
        user = headers.get(USER_HEADER.lower())
        if user:
            if _trusted_proxy(client):
                groups = tuple(
                    g.strip()
                    for g in headers.get(GROUPS_HEADER.lower(), "").split(",")
                    if g.strip()
                )
                return Viewer(username=user, groups=groups)
            log.warning("ignored a forged %s header from untrusted address %s", USER_HEADER, client)
        raise NotAuthenticated("sign in through the authentication proxy")
    if session_token:
        return token_reviewer.review(session_token)
    if mode == "none":
        # No client address means an in-process caller (tests, a unix socket): local too.
        if (client is None or _is_loopback(client)) and (server is None or _is_loopback(server)):
            return SERVER
        raise NotAuthenticated("authentication mode 'none' only serves loopback clients")
    raise NotAuthenticated("a bearer token is required")


def viewer_for_request(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_crscope_viewer", None)
    if isinstance(cached, Viewer):
        return cached
    headers = {k.lower(): v for k, v in request.headers.items()}
    session = getattr(request, "session", None)
    viewer = resolve(
        headers=headers,
        client=request.META.get("REMOTE_ADDR"),
        server=_server_addr(request),
        session_token=session.get(SESSION_TOKEN_KEY) if session else None,
    )
    request._crscope_viewer = viewer  # type: ignore[attr-defined]
    return viewer


def _server_addr(request: HttpRequest) -> str | None:
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict) and scope.get("server"):
        return str(scope["server"][0])
    return None


def viewer_for_scope(scope: dict[str, Any]) -> Viewer:
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    session = scope.get("session")
    client = scope.get("client")
    server = scope.get("server")
    return resolve(
        headers=headers,
        client=str(client[0]) if client else None,
        server=str(server[0]) if server else None,
        session_token=session.get(SESSION_TOKEN_KEY) if session else None,
    )
