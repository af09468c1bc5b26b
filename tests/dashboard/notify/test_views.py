"""The /notifications/ page and the bell: rules, errors, delivery status, unread count."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import Client

from dashboard.core.access import SERVER
from dashboard.notify import dispatcher, inbox
from dashboard.notify.matching import match_change
from dashboard.notify.models import FAILED, Delivery, InboxItem, Notification
from dashboard.notify.service import NotifyService
from dashboard.notify.views import bell_html
from tests.dashboard.notify.kit import change, widget

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.notify.urls")]

RULES = """
rules:
  - {name: failed, description: Widgets that give up, trigger: {state: Failed}}
  - {name: typo, trigger: {stat: Failed}}
"""


def notify_failure(service: NotifyService, name: str = "web") -> Notification:
    (hit,) = match_change(
        service.source().current.rules,
        change(widget(name, state="InProgress"), widget(name, state="Failed", rv="2")),
    )
    notification = dispatcher.record(hit)
    assert notification is not None
    InboxItem.objects.create(
        notification=notification, kind=hit.kind, namespace=hit.namespace, created=time.time()
    )
    return notification


def test_the_page_lists_rules_errors_and_recent_notifications(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    service = notify_service(RULES)
    notification = notify_failure(service)
    Delivery.objects.filter(notification=notification).update(
        status=FAILED, attempts=10, last_error="connect timeout after 5.0s"
    )
    response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Widgets that give up" in html and "state to Failed" in html
    assert "typo" in html and "trigger.stat" in html, "the bad rule is named with its field"
    assert "prod/web" in html and "InProgress → Failed" in html
    assert "connect timeout after 5.0s" in html and "Retry" in html
    assert 'href="/k/example.com/widgets/prod/web/"' in html
    assert "<script>" not in html, "the CSP allows no inline script"


def test_a_malformed_file_is_shown_on_the_page(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    notify_service("rules: {{{")
    html = client.get("/notifications/").content.decode()
    assert "Rules file rejected" in html and "not valid YAML" in html


def test_opening_the_page_marks_the_inbox_read(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    notify_failure(notify_service(RULES))
    assert client.get("/notifications/unread.json").json() == {"unread": 1}
    bell = client.get("/notifications/bell/").content.decode()
    assert 'id="notify-bell"' in bell and 'data-unread="1"' in bell
    client.get("/notifications/")
    assert inbox.unread_count(SERVER) == 0
    assert 'data-unread="0"' in client.get("/notifications/bell/").content.decode()


def test_the_bell_can_be_pushed_out_of_band() -> None:
    html = bell_html(120, oob=True)
    assert 'hx-swap-oob="true"' in html and ">99+<" in html
    assert "hx-swap-oob" not in bell_html(0)


def test_retry_from_the_page_requeues_failed_deliveries(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    notification = notify_failure(notify_service(RULES))
    Delivery.objects.update(status=FAILED, attempts=3)
    response = client.post(f"/notifications/{notification.nid}/retry/")
    assert response.status_code == 302
    assert Delivery.objects.get().status == "pending"
