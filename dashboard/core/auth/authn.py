"""Authentication middleware and the sign-in form.

Why a middleware: every page and API call needs a Viewer before any view runs, and the
failure answers differ by audience: the API gets 401 problem+json, a browser gets the
sign-in form (token mode) or a plain 401 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from dashboard.core.auth.identity import (
    SESSION_TOKEN_KEY,
    AuthenticationError,
    NotAuthenticated,
    TooManyFailures,
    end_session,
    token_reviewer,
    viewer_for_request,
)
from dashboard.core.auth.origins import cross_site_refusal
from dashboard.core.web.problem import problem_response
from dashboard.core.web.ratelimit import api_limiter, page_limiter

log = logging.getLogger(__name__)
OPEN_PATHS = ("/healthz", "/readyz", "/static/", "/signin", "/metrics", "/favicon.ico")


def too_many(request: HttpRequest, is_api: bool, detail: str, retry_after: int) -> HttpResponse:
    """429 with Retry-After: problem+json for the API, a page for people."""
    seconds = max(1, retry_after)
    if is_api:
        response = problem_response(429, detail, slug="rate-limited")
    else:
        context = {"message": detail.split(";")[0], "retry_after": seconds}
        response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class AuthenticationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(OPEN_PATHS):
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        try:
            viewer = viewer_for_request(request)
        except TooManyFailures as exc:
            return too_many(request, is_api, str(exc), exc.retry_after)
        except AuthenticationError as exc:
            if not is_api and hasattr(request, "session"):
                request.session.pop(SESSION_TOKEN_KEY, None)
            return self._denied(request, is_api, str(exc))
        except NotAuthenticated as exc:
            return self._denied(request, is_api, str(exc), sign_in=True)
        if is_api:
            refusal = cross_site_refusal(request)
            if refusal is not None:
                return problem_response(403, refusal, slug="cross-site")
        wait = (api_limiter if is_api else page_limiter).take(viewer.cache_key)
        if wait > 0:
            return too_many(
                request, is_api, f"rate limit exceeded; retry in {wait:.1f}s", round(wait)
            )
        return self.get_response(request)

    def _denied(
        self, request: HttpRequest, is_api: bool, detail: str, *, sign_in: bool = False
    ) -> HttpResponse:
        if is_api:
            response = problem_response(401, detail, slug="unauthenticated")
            response["WWW-Authenticate"] = 'Bearer realm="crscope"'
            return response
        from django.conf import settings

        if sign_in and settings.CRSCOPE_AUTH_MODE in ("token", "none"):
            return HttpResponseRedirect(f"/signin?next={request.get_full_path()[:500]}")
        return render(request, "core/auth/unauthorized.html", {"detail": detail}, status=401)


class TokenForm(forms.Form):
    token = forms.CharField(widget=forms.PasswordInput, max_length=16384, strip=True)


def signin(request: HttpRequest) -> HttpResponse:
    """Sign in with a Kubernetes bearer token; it is kept in the server-side session."""
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    form = TokenForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            viewer = token_reviewer.review(
                form.cleaned_data["token"], client=request.META.get("REMOTE_ADDR")
            )
        except AuthenticationError as exc:
            error = str(exc)
            status = 429 if isinstance(exc, TooManyFailures) else 401
        else:
            request.session.cycle_key()
            request.session[SESSION_TOKEN_KEY] = form.cleaned_data["token"]
            log.info("signed in: %s", viewer.username)
            return HttpResponseRedirect(target)
    return render(
        request,
        "core/auth/signin.html",
        {"form": form, "error": error, "next": target},
        status=status,
    )


def signout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        key, token = request.session.session_key, request.session.get(SESSION_TOKEN_KEY)
        request.session.flush()
        end_session(key, token)
    return HttpResponseRedirect("/signin")
