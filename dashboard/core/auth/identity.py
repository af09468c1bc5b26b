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
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from dashboard.core.auth.kubeapi import ReviewUnavailable, post_review
from dashboard.core.auth.viewer import SERVER, Viewer
from dashboard.core.web.ratelimit import auth_failure_limiter

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


TRUSTED_PROXIES = _networks(settings.CRSCOPE_TRUSTED_PROXIES)
USER_HEADER: str = settings.CRSCOPE_PROXY_USER_HEADER
GROUPS_HEADER: str = settings.CRSCOPE_PROXY_GROUPS_HEADER


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


class VerificationUnavailable(AuthenticationError):
    """The apiserver could not answer the TokenReview: not authenticated, for now."""


class TooManyFailures(AuthenticationError):
    """This client address failed to authenticate too often: 429, no TokenReview sent."""

    def __init__(self, wait: float) -> None:
        self.retry_after = max(1, math.ceil(wait))
        super().__init__(
            f"too many failed authentications from this address; retry in {self.retry_after} s"
        )


class TokenReviewer:
    """TokenReview with a short cache keyed by the token's hash (never the token itself).

    Answers, valid or not, are kept for ``CRSCOPE_TOKEN_CACHE_SECONDS`` (default 10, the
    same as the authorization TTL): a deleted ServiceAccount or revoked token keeps
    working for at most that long. The cache is LRU-bounded, so a flood of bogus tokens
    pushes out the oldest entries instead of wiping every signed-in user's. A token that
    must review again while its client address has failed too often is refused without a
    review (:class:`TooManyFailures`), unless the token reviewed valid within
    ``SEEN_VALID_SECONDS``: behind an ingress every user shares one client address, and a
    client sending bogus tokens must not lock out the users already signed in. Those
    digests are kept in their own LRU, longer than the answers.
    """

    SEEN_VALID_SECONDS = 12 * 3600.0

    def __init__(
        self,
        *,
        ttl: float | None = None,
        max_entries: int = 10_000,
        ask: Callable[[str], Viewer | None] | None = None,
    ) -> None:
        self.ttl = float(settings.CRSCOPE_TOKEN_CACHE_SECONDS) if ttl is None else ttl
        self.max_entries = max_entries
        self._ask_review = ask or self._ask
        self._cache: OrderedDict[str, tuple[float, Viewer | None]] = OrderedDict()
        self._seen_valid: OrderedDict[str, float] = OrderedDict()  # digest -> last valid
        self._lock = threading.Lock()

    def review(self, token: str, *, client: str | None = None) -> Viewer:
        digest = _digest(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None and now - hit[0] < self.ttl:
                self._cache.move_to_end(digest)
            else:
                hit = None
            seen = self._seen_valid.get(digest)
            trusted = seen is not None and now - seen < self.SEEN_VALID_SECONDS
        if hit is not None:
            viewer = hit[1]
        else:
            wait = auth_failure_limiter.waiting(client) if client and not trusted else 0.0
            if wait > 0:
                raise TooManyFailures(wait)
            viewer = self._ask_review(token)
            with self._lock:
                self._cache[digest] = (now, viewer)
                self._cache.move_to_end(digest)
                while len(self._cache) > self.max_entries:
                    self._cache.popitem(last=False)
                if viewer is None:
                    self._seen_valid.pop(digest, None)
                else:
                    self._seen_valid[digest] = now
                    self._seen_valid.move_to_end(digest)
                    while len(self._seen_valid) > self.max_entries:
                        self._seen_valid.popitem(last=False)
            if viewer is None and client:
                auth_failure_limiter.take(client)
        if viewer is None:
            raise AuthenticationError("the bearer token is invalid or expired")
        return viewer

    def forget(self, token: str) -> None:
        """Drop a token's cached answer (sign-out): the next use reviews it again."""
        with self._lock:
            self._cache.pop(_digest(token), None)

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
            raise VerificationUnavailable("the token could not be verified right now") from exc
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
        return token_reviewer.review(token, client=client)
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
        return token_reviewer.review(session_token, client=client)
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


def viewer_for_scope(scope: dict[str, Any], *, reload_session: bool = False) -> Viewer:
    """The viewer of a WebSocket. ``reload_session``: read the session from the store again
    (a socket's scope holds the session as it was at connect; sign-out deletes it)."""
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    session = scope.get("session")
    if reload_session and session is not None:
        session = _fresh_session(session.session_key)
    client = scope.get("client")
    server = scope.get("server")
    return resolve(
        headers=headers,
        client=str(client[0]) if client else None,
        server=str(server[0]) if server else None,
        session_token=session.get(SESSION_TOKEN_KEY) if session else None,
    )


def _fresh_session(key: str | None) -> SessionBase | None:
    if not key:
        return None
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key=key)


def session_group(session_key: str) -> str:
    """The channel-layer group of a session's sockets (a hash: keys are secrets)."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def end_session(session_key: str | None, token: str | None) -> None:
    """Sign-out: forget the token's cached review and close the session's live sockets
    (in every replica that shares the channel layer)."""
    if token:
        token_reviewer.forget(token)
    layer = get_channel_layer()
    if session_key and layer is not None:
        async_to_sync(layer.group_send)(session_group(session_key), {"type": "session.ended"})
