"""Webhook URLs never show their credentials, and inline URLs may not carry any (issue 14.8).

Every signed-in user reads the rules API and /notifications/, whatever their grants, so a
destination is shown by its scheme and host only. A URL with a userinfo or a
credential-like query parameter belongs in a Secret (``url: {file: ...}``): written inline
it is refused, and the error does not repeat the credential.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from dashboard.notify.destinations import parse_destination
from dashboard.notify.fields import FieldError
from dashboard.notify.service import NotifyService

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.notify.urls")]

RULES = """
destinations:
  - {name: rooted, type: webhook, url: "https://hooks.example.com/?team=payments-7"}
  - {name: pathed, type: slack, url: "https://chat.example.com:8443/services/T1/B2/XyZ?x=1"}
  - {name: userinfo, type: webhook, url: "https://bob-user-66:pw-inline-77@hooks.example.com/in"}
  - {name: tokened, type: webhook, url: "https://hooks.example.com/in?token=tk-inline-88"}
rules:
  - {name: failed, trigger: {state: Failed}, destinations: [rooted, pathed, in-app]}
"""


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.example.com/?team=payments-7", "https://hooks.example.com/…"),
        ("https://hooks.example.com", "https://hooks.example.com/…"),
        ("https://chat.example.com:8443/services/T1/B2/XyZ?x=1", "https://chat.example.com:8443/…"),
        ("http://[::1]:9000/hook#frag", "http://[::1]:9000/…"),
    ],
)
def test_a_destination_is_shown_by_its_host_only(url: str, shown: str) -> None:
    dest = parse_destination({"name": "d", "type": "webhook", "url": url})
    assert dest.public()["target"] == shown


@pytest.mark.parametrize(
    "url",
    [
        "https://bob-user-66:pw-inline-77@hooks.example.com/in",
        "https://tk-inline-77@hooks.example.com/in",
        "https://hooks.example.com/in?token=tk-inline-77",
        "https://hooks.example.com/in?a=1&api_key=tk-inline-77",
        "https://store.example.com/in?sv=1&sig=tk-inline-77",
        "ftp://bob-user-66:pw-inline-77@hooks.example.com/in",
    ],
)
def test_inline_urls_with_credentials_are_refused_without_repeating_them(url: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_destination({"name": "d", "type": "webhook", "url": url})
    assert caught.value.field == "url"
    assert "inline-77" not in str(caught.value)


def test_the_rules_api_and_the_page_show_hosts_only(
    client: Client, notify_service: Callable[[str], NotifyService]
) -> None:
    notify_service(RULES)
    api = client.get("/api/v1/notifications/rules")
    page = client.get("/notifications/")
    assert api.status_code == 200 and page.status_code == 200
    body = api.json()
    targets = {d["name"]: d["target"] for d in body["destinations"]}
    assert targets["rooted"] == "https://hooks.example.com/…"
    assert targets["pathed"] == "https://chat.example.com:8443/…"
    assert {e["name"] for e in body["errors"]} == {"userinfo", "tokened"}
    for text in (api.content.decode(), page.content.decode()):
        for secret in ("payments-7", "XyZ", "pw-inline-77", "tk-inline-88", "bob-user-66"):
            assert secret not in text
    assert "hooks.example.com" in page.content.decode()
