"""A kind the user may not see answers exactly like a kind that does not exist.

The user ``limited`` may list Widgets in one namespace (see ``grants``); Databases exist
but are not theirs. On UI pages, the REST API (objects, events, the watch stream) and the
live feeds, "forbidden" and "unknown" must give the same status and the same body, apart
from the name asked for, so the answers cannot be used to map the cluster's kinds.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from informers import Engine
from tests.dashboard.ui.live import live_engine  # noqa: F401 - the in-process engine
from tests.informers.kit import pretend_syncing
from tests.security.test_per_user_views import limited  # noqa: F401 - the user's token
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]
GROUP = "demo.crscope.dev"
FORBIDDEN, UNKNOWN = "databases", "nosuchkinds"
VISIBLE = "widgets"  # the limited user may list widgets in their namespace
#: Every page about one object, after its URL (``dashboard/ui/urls.py``).
OBJECT_PAGES = ("", "timeline/", "yaml/", "diff/", "restore/?rev=1")


def _paths(plural: str, namespace: str) -> list[str]:
    return [
        f"/k/{GROUP}/{plural}/",
        f"/k/{GROUP}/{plural}/{namespace}/some-name/",
        f"/k/{GROUP}/{plural}/{namespace}/some-name/diff/",
        f"/api/v1/resources/{GROUP}/{plural}",
        f"/api/v1/resources/{GROUP}/{plural}/namespaces/{namespace}/some-name",
        f"/api/v1/resources/{GROUP}/{plural}/namespaces/{namespace}/some-name/events",
        f"/api/v1/resources/{GROUP}/{plural}/namespaces/{namespace}/some-name/history",
        f"/api/v1/watch?resource={GROUP}/{plural}",
    ]


def test_forbidden_and_unknown_kinds_answer_alike(
    limited: str,  # noqa: F811
    grants: Grants,
    live_engine: Engine,  # noqa: F811
) -> None:
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {limited}")
    assert live_engine.informer(f"{GROUP}/{FORBIDDEN}") is not None  # it does exist
    for forbidden, unknown in zip(
        _paths(FORBIDDEN, grants.allowed_ns), _paths(UNKNOWN, grants.allowed_ns), strict=True
    ):
        seen = client.get(forbidden)
        absent = client.get(unknown)
        assert seen.status_code == absent.status_code == 404, (forbidden, seen.status_code)
        assert seen["Content-Type"] == absent["Content-Type"], forbidden
        body = seen.content.decode().replace(FORBIDDEN, UNKNOWN)
        assert body == absent.content.decode(), forbidden


async def _close_code(token: str, query: str) -> Any:
    from dashboard.asgi import application

    comm = WebsocketCommunicator(
        application,
        f"/ws/live/?{query}",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    )
    connected, code = await comm.connect(timeout=10)
    try:
        if not connected:
            return code
        output = await comm.receive_output(timeout=15)
        return output.get("code") if output["type"] == "websocket.close" else "open"
    finally:
        await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_live_feeds_close_alike_for_forbidden_and_unknown_kinds(
    limited: str,  # noqa: F811
    grants: Grants,
    live_engine: Engine,  # noqa: F811
) -> None:
    for view in ("list", "detail"):
        codes = []
        for plural in (FORBIDDEN, UNKNOWN):
            query = f"view={view}&kind={GROUP}/{plural}&namespace={grants.allowed_ns}&name=x"
            codes.append(await _close_code(limited, query))
        assert codes[0] == codes[1] == 4404, (view, codes)


def test_a_forbidden_kind_still_syncing_is_not_named(
    limited: str,  # noqa: F811
    grants: Grants,
    live_engine: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An object page of a kind that has not synced says "still syncing" (503) only to
    those who may see the kind; to anyone else, it is a kind that does not exist."""
    pretend_syncing(monkeypatch, live_engine, f"{GROUP}/{FORBIDDEN}")
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {limited}")
    for page in OBJECT_PAGES:
        seen = client.get(f"/k/{GROUP}/{FORBIDDEN}/{grants.allowed_ns}/some-name/{page}")
        absent = client.get(f"/k/{GROUP}/{UNKNOWN}/{grants.allowed_ns}/some-name/{page}")
        assert seen.status_code == absent.status_code == 404, (page, seen.status_code)
        body = seen.content.decode().replace(FORBIDDEN, UNKNOWN)
        assert body == absent.content.decode(), page


def test_every_page_about_an_object_of_a_kind_still_syncing_says_so(
    limited: str,  # noqa: F811
    grants: Grants,
    live_engine: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a kind the viewer may see is syncing, an object the cache has not reached yet
    may well exist: each page about it says "still syncing" (503, retried), not 404.
    Only the object page used to; its diff, restore, YAML and timeline pages said "not
    found" for an object that was there."""
    pretend_syncing(monkeypatch, live_engine, f"{GROUP}/{VISIBLE}")
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {limited}")
    for page in OBJECT_PAGES:
        answer = client.get(f"/k/{GROUP}/{VISIBLE}/{grants.allowed_ns}/not-cached-yet/{page}")
        assert answer.status_code == 503, (page, answer.status_code)
        assert "Widget is still syncing; retrying." in answer.content.decode(), page


def test_a_per_kind_api_call_reviews_only_the_requested_kind(
    limited: str,  # noqa: F811
    grants: Grants,
    live_engine: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A per-kind API call asks the authorizer about that kind only: reviewing every
    watched kind cost hundreds of serial SubjectAccessReviews each time the cache
    expired. Which kinds exist is no secret (API discovery tells any authenticated user),
    so an unknown kind may answer sooner. Counted in reviews rather than timed."""
    from dashboard.core.auth.rbac import reviewer

    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {limited}")
    real = reviewer._review
    asked: list[str] = []

    def counting(viewer: Any, *, verb: str, kind: Any, namespace: str) -> bool:
        asked.append(kind.plural)
        return real(viewer, verb=verb, kind=kind, namespace=namespace)

    monkeypatch.setattr(reviewer, "_review", counting)
    for path in _paths(FORBIDDEN, grants.allowed_ns):
        if not path.startswith("/api/"):
            continue  # UI pages render the rail, which lists every kind the user may see
        reviewer.forget()
        asked.clear()
        assert client.get(path).status_code == 404, path
        assert asked, path  # the forbidden kind itself was reviewed
        assert set(asked) == {FORBIDDEN}, (path, sorted(set(asked)))
