"""The /notifications/ page and the bell: rules, errors, delivery status, unread count."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.test import Client

from dashboard.core.auth.viewer import SERVER
from dashboard.notify import dispatcher, inbox
from dashboard.notify.bell import bell_html
from dashboard.notify.matching import match_change
from dashboard.notify.models import FAILED, Delivery, InboxItem, Notification
from dashboard.notify.service import NotifyService
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


def test_the_page_and_api_list_notifications_by_their_latest_time(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    """A window that keeps collecting is newer than one that opened after it but went quiet.

    The page shows each notification's latest occurrence, so it must sort by it too, or the
    times read out of order; the API pages in the same order.
    """
    service = notify_service("rules:\n  - {name: flap, trigger: {state: Failed}, debounce: 1h}\n")
    rules = service.source().current.rules
    t0 = time.time() - 600

    def failure(name: str, at: float, rv: int) -> Notification:
        (hit,) = match_change(
            rules,
            change(
                widget(name, state="InProgress", rv=str(rv - 1)),
                widget(name, state="Failed", rv=str(rv)),
            ),
        )
        notification = dispatcher.record(hit, now=at)
        assert notification is not None
        return notification

    first_x = failure("x", t0, 2)  # sent at once
    followers_x = failure("x", t0 + 10, 4)  # x's followers' window opens...
    quiet_y = failure("y", t0 + 20, 2)
    assert failure("x", t0 + 30, 6) == followers_x  # ...and has the newest occurrence
    html = client.get("/notifications/?fragment=recent").content.decode()
    shown = re.findall(r'href="/k/example.com/widgets/prod/(\w+)/"', html)
    assert shown == ["x", "y", "x"], shown
    ids = []
    token = None
    for _ in range(5):
        page = client.get(
            "/api/v1/notifications", {"limit": 1, **({"continue": token} if token else {})}
        ).json()
        ids += [item["id"] for item in page["items"]]
        token = page["continue"]
        if not token:
            break
    assert ids == [followers_x.nid, quiet_y.nid, first_x.nid]
