"""A database that cannot answer now gives 503 with Retry-After; a broken one stays a 500.

SQLite answers "database is locked" when its one writer slot stays taken, and PostgreSQL
drops connections when it restarts; neither is the request's fault, so neither may show
as a 500. SQLite also reports schema mistakes as OperationalError ("no such table"):
those are bugs and must not be dressed up as "retry shortly". The failures are injected
where a view reads the notification tables, and where a middleware resolves the viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from dashboard.core.auth import authn
from dashboard.notify import present

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.notify.urls")]

LOCKED = OperationalError("database is locked")


def raising(exc: Exception) -> Callable[..., NoReturn]:
    def fail(*args: Any, **kwargs: Any) -> NoReturn:
        raise exc

    return fail


@pytest.fixture
def client() -> Client:
    """Responses as a browser gets them, instead of the exception re-raised in the test."""
    return Client(raise_request_exception=False)


def assert_page_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    html = response.content.decode()
    assert "The database is busy or unreachable; retry shortly" in html
    assert "Traceback" not in html and "database is locked" not in html


def assert_problem_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "urn:crscope:problem:database-unavailable"
    assert body["status"] == 503 and "retry" in body["detail"]


@pytest.mark.parametrize("exc", [LOCKED, InterfaceError("connection already closed")])
def test_a_view_that_meets_a_busy_database_says_try_again(
    client: Client, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    monkeypatch.setattr(present, "recent", raising(exc))
    assert_page_503(client.get("/notifications/"))
    assert_problem_503(client.get("/api/v1/notifications"))


def test_a_middleware_that_meets_a_busy_database_says_try_again(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(authn, "viewer_for_request", raising(LOCKED))
    assert_page_503(client.get("/notifications/"))
    assert_problem_503(client.get("/api/v1/notifications"))


@pytest.mark.parametrize("exc", [OperationalError("no such table: x"), RuntimeError("a bug")])
def test_a_bug_stays_a_500_with_no_retry_after(
    client: Client, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    monkeypatch.setattr(present, "recent", raising(exc))
    page = client.get("/notifications/")
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    api = client.get("/api/v1/notifications")
    assert api.status_code == 500
    assert api.json()["type"] == "urn:crscope:problem:internal"
    assert "Retry-After" not in page and "Retry-After" not in api
