"""A list item is shaped once per what it shows and shared (``dashboard/api/render.py``):
a new version, a re-read state, the stuck flag or new column values each give a new one."""

from __future__ import annotations

import dataclasses

from dashboard.api.render import summary
from dashboard.core.listing.query import Row
from informers import Entry
from informers.status import State, Status

STATUS = Status(
    State.IN_PROGRESS, "Reconciling", "", rule="generic/ready", inputs=(("ready", "False"),)
)


def row(
    rv: str = "render-1", *, status: Status = STATUS, stuck: bool = False, size: int = 1
) -> Row:
    meta = {"name": "a", "namespace": "ns", "uid": "u-1", "resourceVersion": rv}
    entry = Entry("ns/a", {"metadata": meta}, status, since=1_700_000_000.0)
    return Row(entry=entry, columns={"Size": size}, stuck=stuck)


def test_one_version_is_shaped_once() -> None:
    first = summary(row())
    assert summary(row()) is first
    assert first["resourceVersion"] == "render-1"
    assert first["state"]["inputs"] == {"ready": "False"}


def test_what_changes_without_a_new_version_still_shows() -> None:
    base = summary(row("render-2"))
    assert summary(row("render-3"))["resourceVersion"] == "render-3"
    failed = dataclasses.replace(STATUS, state=State.FAILED, reason="Boom")  # rules reloaded
    assert summary(row("render-2", status=failed))["state"]["state"] == State.FAILED
    assert summary(row("render-2", stuck=True))["state"]["stuck"] is True
    assert summary(row("render-2", size=7))["columns"] == {"Size": 7}  # the CRD's new column
    assert summary(row("render-2")) is base


def test_an_unhashable_input_is_shaped_afresh() -> None:
    odd = dataclasses.replace(STATUS, inputs=(("conditions", ["a", "b"]),))
    shaped = summary(row("render-4", status=odd))
    assert shaped["state"]["inputs"] == {"conditions": ["a", "b"]}
    assert summary(row("render-4", status=odd)) is not shaped
