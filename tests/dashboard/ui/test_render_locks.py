"""Rendering a live fragment takes no process-wide lock.

Why: every open page renders its changes in a worker thread, and 50 viewers of one list
flush within the same few milliseconds. Django's translation state is an
``asgiref.local.Local``, whose every read takes one lock shared by all threads, and each
number in a template is localized through it (``get_language``). py-spy put 23 % of the
server's samples of the 49-viewer change-to-DOM benchmark waiting on that lock. The
dashboard is not translated, so Django's i18n machinery is off and no render reads it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref import local

from dashboard.core.listing.query import Row
from dashboard.ui.fragments import cache
from dashboard.ui.pages.home import overview
from dashboard.ui.pages.home.overview_feed import row_html as attention_row_html
from dashboard.ui.pages.listing import listing
from informers import PrinterColumn, State, Status
from informers.store import Entry
from tests.dashboard.ui.gadgets import gadget_kind

REPLICAS = PrinterColumn(name="Replicas", json_path=".spec.replicas", type="integer")
RATIO = PrinterColumn(name="Ratio", json_path=".status.ratio", type="number")
KIND = gadget_kind(REPLICAS, RATIO)


def _render_both() -> tuple[str, str]:
    entry = _entry()
    row = listing.row_html(
        KIND, Row(entry=entry, columns={"Replicas": 12345, "Ratio": 0.5}, stuck=True)
    )
    attention = attention_row_html(
        overview.AttentionRow(kind=KIND, entry=entry, stuck=True, rank=3)
    )
    return row, attention


@pytest.fixture
def shared_locals_forbidden(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Once one-time set-up is done (template loading, static storage: a first render
    without the guard), any read of a lock-guarded ``asgiref`` Local fails the test."""

    def forbidden(self: Any, key: str) -> Any:
        raise AssertionError(f"a render read the lock-guarded Local for {key!r}")

    _render_both()
    cache.clear()
    monkeypatch.setattr(local._DefaultLocal, "__getattr__", forbidden)
    yield
    cache.clear()


def _entry() -> Entry:
    obj = {
        "metadata": {"name": "g", "namespace": "ns", "resourceVersion": uuid.uuid4().hex},
        "spec": {"replicas": 12345},
        "status": {"ratio": 0.5},
    }
    return Entry(
        key="ns/g", obj=obj, status=Status(State.FAILED, "Broken", "it broke"), since=time.time()
    )


@pytest.mark.usefixtures("shared_locals_forbidden")
def test_a_list_row_with_numbers_renders_without_a_shared_local() -> None:
    html, _ = _render_both()
    assert ">12345<" in html and ">0.5<" in html


@pytest.mark.usefixtures("shared_locals_forbidden")
def test_an_attention_row_renders_without_a_shared_local() -> None:
    _, html = _render_both()
    assert "Broken" in html and "it broke" in html
