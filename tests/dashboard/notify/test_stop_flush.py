"""Stopping the notify service records every occurrence already queued, first.

Why: on SIGTERM the engine stops, then the service. Whatever the listeners had queued but
the service had not yet matched was dropped with the process, so a change seen just
before a rollout never reached the outbox and no one was told.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.notify.models import Occurrence
from dashboard.notify.options import NotifyOptions
from dashboard.notify.service import BATCH, NotifyService
from tests.dashboard.notify.kit import KIND, change, widget

pytestmark = pytest.mark.django_db(transaction=True)
RULES = f"""
rules:
  - name: size-changed
    match: {{kinds: [{KIND}]}}
    trigger: {{path: spec.size}}
    destinations: [in-app]
"""


def test_stop_records_what_the_listeners_queued(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    service = NotifyService(NotifyOptions(rules_path=str(rules), poll_seconds=0.05))
    service.source()  # rules loaded: the listeners accept changes
    queued = 2 * BATCH + 100  # more than the loop takes in one round before it sees the stop
    for n in range(queued):
        old = widget(f"w{n}", rv=str(2 * n), spec={"size": 1})
        new = widget(f"w{n}", rv=str(2 * n + 1), spec={"size": 2})
        service._on_change(change(old, new))
    service.start()
    service.stop()
    assert Occurrence.objects.count() == queued
