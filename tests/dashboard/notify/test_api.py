"""``/api/v1/notifications``: rules with errors, the tester, lists filtered by access."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from dashboard.core.auth import access
from dashboard.core.auth.viewer import Viewer
from dashboard.core.runtime.adapter import adapter
from dashboard.notify import api as notify_api
from dashboard.notify import dispatcher
from dashboard.notify.destinations import INBOX
from dashboard.notify.matching import match_change
from dashboard.notify.models import FAILED, PENDING, Delivery
from dashboard.notify.service import NotifyService
from dashboard.notify.worker import OutboxWorker
from informers import KindInfo
from tests.dashboard.notify.kit import KIND, change, widget

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.notify.urls")]

RULES = """
destinations:
  - name: hook
    type: webhook
    url: https://hooks.example.com/secret-path
    secret: {env: API_TEST_SECRET}
rules:
  - name: failed
    trigger: {state: Failed}
    destinations: [hook, in-app]
  - name: broken
    trigger: {state: Fialed}
"""


@pytest.fixture
def configured(
    notify_service: Callable[[str], NotifyService], monkeypatch: pytest.MonkeyPatch
) -> NotifyService:
    monkeypatch.setenv("API_TEST_SECRET", "do-not-show-me")
    return notify_service(RULES)


def record_failures(service: NotifyService, *namespaces: str) -> list[str]:
    rules = service.source().current.rules
    nids = []
    for i, ns in enumerate(namespaces):
        uid = f"uid-{ns}-{i}"
        old = widget(f"w{i}", namespace=ns, state="InProgress", uid=uid)
        new = widget(f"w{i}", namespace=ns, state="Failed", rv="2", uid=uid)
        (hit,) = match_change(rules[:1], change(old, new))
        notification = dispatcher.record(hit)
        assert notification is not None
        nids.append(notification.nid)
    return nids


def test_rules_show_errors_and_no_secrets(client: Client, configured: NotifyService) -> None:
    response = client.get("/api/v1/notifications/rules")
    assert response.status_code == 200
    body = response.json()
    assert [r["name"] for r in body["rules"]] == ["failed"]
    (error,) = body["errors"]
    assert (error["name"], error["field"]) == ("broken", "trigger.state")
    assert "Fialed" in error["text"]
    hook = next(d for d in body["destinations"] if d["name"] == "hook")
    assert hook["signed"] and hook["secret"] == "env API_TEST_SECRET"
    assert hook["target"] == "https://hooks.example.com/…"
    assert "do-not-show-me" not in response.content.decode()
    assert "secret-path" not in response.content.decode()
    assert body["fileError"] is None


def test_a_malformed_file_is_reported_by_the_api(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    notify_service("rules: [ {oops\n")
    body = client.get("/api/v1/notifications/rules").json()
    assert "not valid YAML" in body["fileError"] and body["rules"] == []


def test_the_tester_shows_which_rules_fire_and_the_body(
    client: Client, configured: NotifyService
) -> None:
    sample = {
        "kind": KIND,
        "type": "MODIFIED",
        "old": widget(state="InProgress"),
        "new": widget(state="Failed", rv="2"),
    }
    response = client.post(
        "/api/v1/notifications/rules/test", sample, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    (hit,) = body["matches"]
    assert hit["rule"] == "failed" and hit["destinations"] == ["hook", "in-app"]
    assert hit["payload"]["new_state"]["state"] == "Failed"
    assert "InProgress → Failed" in hit["text"]
    assert body["checked"] == 1
    sample["new"] = widget(state="Current", rv="2")
    assert (
        client.post(
            "/api/v1/notifications/rules/test", sample, content_type="application/json"
        ).json()["matches"]
        == []
    )
    assert Delivery.objects.count() == 0, "the tester stores nothing"


@pytest.mark.parametrize(
    ("sample", "param"),
    [
        ({"kind": "widgets", "new": widget()}, "kind"),
        ({"kind": KIND, "type": "MODIFIED", "new": widget()}, "old"),
        ({"kind": KIND, "type": "ADDED", "new": {"metadata": {}}}, "new"),
    ],
)
def test_the_tester_rejects_bad_samples_naming_the_field(
    client: Client, configured: NotifyService, sample: dict[str, Any], param: str
) -> None:
    response = client.post(
        "/api/v1/notifications/rules/test", sample, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["param"] == param


def test_list_pages_newest_first_with_delivery_status(
    client: Client, configured: NotifyService
) -> None:
    nids = record_failures(configured, "a", "b", "c")
    first = client.get("/api/v1/notifications", {"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [nids[2], nids[1]]
    item = first["items"][0]
    assert {d["destination"]: d["status"] for d in item["deliveries"]} == {
        "hook": PENDING,
        "in-app": PENDING,
    }
    assert item["objects"][0]["newState"] == "Failed"
    assert item["objects"][0]["path"] == "/k/example.com/widgets/c/w2/"
    second = client.get("/api/v1/notifications", {"limit": 2, "continue": first["continue"]}).json()
    assert [i["id"] for i in second["items"]] == [nids[0]]
    assert second["continue"] is None
    bad = client.get("/api/v1/notifications", {"continue": "forged"})
    assert bad.status_code == 400 and bad.json()["param"] == "continue"


def test_failed_deliveries_can_be_listed_and_retried(
    client: Client, configured: NotifyService
) -> None:
    (nid,) = record_failures(configured, "a")
    Delivery.objects.filter(destination="hook").update(
        status=FAILED, attempts=10, last_error="HTTP 500: nope"
    )
    failed = client.get("/api/v1/notifications", {"status": "failed"}).json()["items"]
    (item,) = failed
    hook = next(d for d in item["deliveries"] if d["destination"] == "hook")
    assert (hook["status"], hook["lastError"]) == ("failed", "HTTP 500: nope")
    assert client.get(f"/api/v1/notifications/{nid}").json()["id"] == nid
    assert client.post(f"/api/v1/notifications/{nid}/retry").json() == {"requeued": 1}
    assert Delivery.objects.get(destination="hook").status == PENDING
    assert client.get("/api/v1/notifications/nope").status_code == 404


def test_viewers_only_see_notifications_about_objects_they_may_get(
    client: Client, configured: NotifyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_failures(configured, "team-a", "team-b")
    alice = Viewer(username="alice")
    kind = KindInfo(
        group="example.com", version="v1", kind="Widget", plural="widgets", namespaced=True
    )
    fake_engine = SimpleNamespace(informer=lambda key: SimpleNamespace(kind=kind))
    monkeypatch.setattr(adapter, "engine", fake_engine)
    monkeypatch.setattr(
        access, "can_see", lambda viewer, k, namespace, verb="get": namespace == "team-a"
    )
    monkeypatch.setattr(notify_api, "viewer_for_request", lambda request: alice)
    items = client.get("/api/v1/notifications").json()["items"]
    assert [i["objects"][0]["namespace"] for i in items] == ["team-a"]
    hidden = record_failures(configured, "team-c")[0]
    assert client.get(f"/api/v1/notifications/{hidden}").status_code == 404
    assert client.post(f"/api/v1/notifications/{hidden}/retry").status_code == 404


def test_unread_counts_follow_the_read_mark(client: Client, configured: NotifyService) -> None:
    record_failures(configured, "a", "b")
    inbox_only = replace(configured.source().current, destinations={"in-app": INBOX})
    worker = OutboxWorker(options=configured.options, rules=lambda: inbox_only)
    assert worker.dispatch_due(inbox_only, now=time.time()) == 2  # delivered in-process
    try:
        assert client.get("/api/v1/notifications/unread").json() == {"unread": 2}
        assert client.post("/api/v1/notifications/read").json() == {"unread": 0}
    finally:
        worker.stop(timeout=2)
