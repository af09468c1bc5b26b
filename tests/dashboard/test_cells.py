"""Printer-column values are evaluated once per object version and shared by every page
(``dashboard/core/listing/cells.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.core.auth.redactor import shown_columns
from dashboard.core.listing import cells as cells_module
from dashboard.core.listing.cells import cells
from informers import Entry, PrinterColumn
from informers.redaction import REDACTED
from informers.status import State, Status

COLUMNS = (
    PrinterColumn("Size", ".spec.size", "integer"),
    PrinterColumn("Password", ".spec.password"),
)


def version(rv: str, size: int, *, uid: str = "u-1") -> Entry:
    meta = {"name": "a", "namespace": "ns", "uid": uid, "resourceVersion": rv}
    obj = {"metadata": meta, "spec": {"size": size, "password": "hunter2"}}
    return Entry("ns/a", obj, Status(State.CURRENT, "", ""), 0.0)


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The resourceVersions whose columns were evaluated."""
    seen: list[str] = []
    real = shown_columns

    def counting(obj: Any, columns: Any) -> dict[str, Any]:
        seen.append(obj["metadata"]["resourceVersion"])
        return real(obj, columns)

    monkeypatch.setattr(cells_module, "shown_columns", counting)
    return seen


def test_one_version_is_evaluated_once_for_every_page(evaluations: list[str]) -> None:
    first = cells(version("cells-7", 3), COLUMNS)
    again = cells(version("cells-7", 3), COLUMNS)
    assert first == {"Size": 3, "Password": REDACTED}  # redacted as shown_columns does
    assert again is first and evaluations == ["cells-7"]


def test_a_new_version_or_a_new_object_is_evaluated_afresh(evaluations: list[str]) -> None:
    assert cells(version("cells-8", 3), COLUMNS)["Size"] == 3
    assert cells(version("cells-9", 4), COLUMNS)["Size"] == 4
    recreated = version("cells-9", 5, uid="u-2")  # same name and version, another object
    assert cells(recreated, COLUMNS)["Size"] == 5
    assert cells(version("cells-9", 4), (COLUMNS[0],)) == {"Size": 4}  # other columns
    assert evaluations == ["cells-8", "cells-9", "cells-9", "cells-9"]


def test_an_object_without_a_version_is_never_shared(evaluations: list[str]) -> None:
    assert cells(version("", 1), COLUMNS)["Size"] == 1
    assert cells(version("", 2), COLUMNS)["Size"] == 2
    assert evaluations == ["", ""]
