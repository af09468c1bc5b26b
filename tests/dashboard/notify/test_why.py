"""Notifications cite why: the rule behind a new state travels with the occurrence.

Why stored with the occurrence: the outbox row is what a retry (or another replica) sends,
so the rule and its values are recorded when the transition is seen, redacted like the
rest, and the webhook's ``new_state`` carries ``rule`` and a one-line ``why``.
"""

from __future__ import annotations

import dataclasses
import time

from django.template.loader import render_to_string

from dashboard.notify.dispatcher import occurrence_row
from dashboard.notify.matching import match_change
from dashboard.notify.models import Notification
from dashboard.notify.payloads import webhook_payload
from dashboard.notify.rules import parse_rules
from informers import Change, State, Status
from informers.redaction import REDACTED
from tests.dashboard.notify.kit import change, widget
from tests.dashboard.ui.dom import parse

FAILED = parse_rules("rules:\n  - {name: failed, trigger: {state: Failed}}\n").rules
DECIDED = Status(
    State.FAILED,
    "Degraded",
    "it broke",
    rule="argo-cd/Application",
    inputs=(("health", "Degraded"), ("apiToken", "s3cr3t")),
    when='health == "Degraded"',
)


def _decided_change() -> Change:
    base = change(widget(state="InProgress"), widget(state="Failed", rv="2"))
    assert base.new is not None
    return dataclasses.replace(base, new=dataclasses.replace(base.new, status=DECIDED))


def test_a_state_hit_records_the_rule_and_redacted_values() -> None:
    (hit,) = match_change(FAILED, _decided_change())
    why = hit.detail["why"]
    assert why["rule"] == "argo-cd/Application"
    assert why["when"] == 'health == "Degraded"'
    assert why["inputs"] == {"health": "Degraded", "apiToken": REDACTED}
    assert why["text"].startswith('argo-cd/Application: health == "Degraded" (health="Degraded"')
    assert "s3cr3t" not in str(hit.detail)


def test_the_webhook_new_state_cites_the_rule() -> None:
    (hit,) = match_change(FAILED, _decided_change())
    now = time.time()
    notification = Notification(
        nid="n1", rule="failed", trigger="state", opened_at=now, due_at=now, last_at=now
    )
    occurrence = occurrence_row(hit, notification)  # as the dispatcher stores it
    body = webhook_payload(notification, [occurrence], public_url="")
    assert body["new_state"]["rule"] == "argo-cd/Application"
    assert body["new_state"]["why"] == hit.detail["why"]["text"]
    assert body["objects"][0]["new_state"] == body["new_state"]
    occurrence.detail = {}
    plain = webhook_payload(notification, [occurrence], public_url="")["new_state"]
    assert (plain["rule"], plain["why"]) == ("", "")


def test_the_recent_list_shows_the_why_on_hover_as_text() -> None:
    hostile = '"><img src=x onerror="alert(1)"><b>x</b>'
    recent = [
        {
            "lastAt": time.time(),
            "open": False,
            "rule": "failed",
            "count": 1,
            "objects": [
                {
                    "path": "/k/example.com/widgets/prod/w/",
                    "namespace": "prod",
                    "name": "w",
                    "kind": "Widget",
                    "plural": "widgets",
                    "oldState": "InProgress",
                    "newState": "Failed",
                    "occurrences": 1,
                    "reason": "Degraded",
                    "why": f"argo-cd/Application: health == 1 (health={hostile})",
                }
            ],
            "deliveries": [],
        }
    ]
    html = render_to_string(
        "notify/_recent.html",
        {"recent": recent, "read_until": 0, "counts": {"pending": 0, "sent": 1, "failed": 0}},
    )
    assert hostile not in html
    root = parse(html)
    assert not ({"img", "b"} & root.tags())
    (reason,) = [s for s in root.find_all("span") if s.text == "Degraded"]
    assert reason.attrs["title"] == f"argo-cd/Application: health == 1 (health={hostile})"
