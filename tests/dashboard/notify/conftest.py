"""Fixtures for notification tests: a local webhook receiver, rules files, fast options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard.notify.options import NotifyOptions
from dashboard.notify.service import NotifyService, service
from tests.dashboard.notify.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast_options() -> NotifyOptions:
    """Short backoff, scans and polls, so retry and stuck tests converge in seconds."""
    return NotifyOptions(
        reload_seconds=0.2,
        scan_seconds=0.2,
        max_attempts=100,
        retry_base_seconds=0.1,
        retry_max_seconds=0.5,
        connect_timeout=1.0,
        read_timeout=1.0,
        lease_seconds=30.0,
        poll_seconds=0.05,
        public_url="https://crscope.example",
    )


@pytest.fixture
def rules_file(tmp_path: Path) -> Callable[[str], Path]:
    path = tmp_path / "rules.yaml"

    def write(text: str) -> Path:
        path.write_text(text)
        return path

    return write


@pytest.fixture
def notify_service(
    fast_options: NotifyOptions, rules_file: Callable[[str], Path]
) -> Iterator[Callable[[str], NotifyService]]:
    """Point the process-wide service (used by the API and pages) at a test rules file."""
    saved = (service._options, service.rules)

    def configure(rules: str) -> NotifyService:
        service._options = replace(fast_options, rules_path=str(rules_file(rules)))
        service.rules = None
        return service

    yield configure
    service._options, service.rules = saved
