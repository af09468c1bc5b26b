"""The 404 handler: the app's framed page for signed-in requests, a bare one on open paths.

Why: the framed 404 page draws the kind rail and the user, which need a viewer, and a
request on a path open without signing in (``authn.OPEN_PATHS``: /favicon.ico, /static/,
/signin...) has none; rendering the frame for it raised, so every miss there was a 500.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.defaults import page_not_found

from dashboard.core.auth.authn import OPEN_PATHS


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(OPEN_PATHS):
        return render(request, "404_bare.html", {"request_path": request.path}, status=404)
    return page_not_found(request, exception)
