"""Resolve the Viewer for an HTTP request or a WebSocket scope.

Placeholder until the authentication modes land: every request is the server identity
(auth mode ``none``, loopback only).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dashboard.core.access import SERVER, Viewer


class AuthenticationError(Exception):
    """Credentials were given but are not valid: answer 401, never fall back to anonymous."""


def viewer_for_request(request: HttpRequest) -> Viewer:
    return SERVER


def viewer_for_scope(scope: dict[str, Any]) -> Viewer:
    return SERVER
