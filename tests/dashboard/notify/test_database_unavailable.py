"""A database that cannot answer gives 503 with Retry-After on pages and the API.

SQLite answers "database is locked" when its one writer slot stays taken, and PostgreSQL
drops connections when it restarts; neither is the request's fault, so neither may show
as a 500. The failure is injected where the views read the notification tables.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from django.db import OperationalError
from django.test import Client

from dashboard.notify import present

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.notify.urls")]


@pytest.fixture
def locked(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> NoReturn:
        raise OperationalError("database is locked")

    monkeypatch.setattr(present, "recent", fail)


@pytest.mark.usefixtures("locked")
def test_a_page_says_try_again_with_retry_after(client: Client) -> None:
    response = client.get("/notifications/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    html = response.content.decode()
    assert "The database is busy or unreachable; retry shortly" in html
    assert "Traceback" not in html and "database is locked" not in html


@pytest.mark.usefixtures("locked")
def test_the_api_answers_a_503_problem(client: Client) -> None:
    response = client.get("/api/v1/notifications")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "urn:crscope:problem:database-unavailable"
    assert body["status"] == 503 and "retry" in body["detail"]


def test_other_errors_are_not_dressed_up_as_unavailable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("a bug")

    monkeypatch.setattr(present, "recent", fail)
    client.raise_request_exception = False
    response = client.get("/notifications/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Retry-After" not in response
