"""The live list's row operations, shared by every viewer in the same state.

Why these tests: viewers of one page share the operations that bring their browsers up to
date, so a memo keyed too loosely would send one viewer the rows another one needed (a row
missing, or inserted twice, until the next reload). Each case checks the pieces a browser
would apply, and that equal states share one computation.
"""

from __future__ import annotations

import time
import uuid

from dashboard.core.listing.query import Page, Row
from dashboard.ui.pages.listing import listing
from dashboard.ui.pages.listing.list_feed import Shown, row_ops
from informers import PrinterColumn, State, Status
from informers.store import Entry
from tests.dashboard.ui.dom import parse
from tests.dashboard.ui.gadgets import gadget_kind

SIZE = PrinterColumn(name="Size", json_path=".spec.size", type="integer")
KIND = gadget_kind(SIZE)
COLUMNS = (SIZE,)


def _row(name: str, size: int) -> Row:
    obj = {
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": uuid.uuid4().hex},
        "spec": {"size": size},
    }
    entry = Entry(
        key=f"ns/{name}", obj=obj, status=Status(State.CURRENT, "", ""), since=time.time()
    )
    return Row(entry=entry, columns={"Size": size}, stuck=False)


def _state(rows: list[Row]) -> tuple[Shown, dict[str, Row]]:
    shown = tuple((r.entry.key, listing.row_version(r)) for r in rows)
    return shown, {r.entry.key: r for r in rows}


def _ops(before: list[Row], after: list[Row]) -> tuple[str, ...]:
    old, old_rows = _state(before)
    new, new_rows = _state(after)
    return row_ops(KIND, COLUMNS, old, new, new_rows, old_rows)


def _swaps(pieces: tuple[str, ...]) -> list[tuple[str, str]]:
    """(hx-swap-oob, size cell text or "") for each element a browser would swap."""
    found = []
    for piece in pieces:
        for node in parse(piece).iter():
            oob = node.attrs.get("hx-swap-oob")
            if oob is None:
                continue
            cells = [
                td.text for td in node.find_all("td") if td.attrs.get("class") == "col-integer"
            ]
            found.append((oob, cells[0] if cells else ""))
    return found


def test_viewers_in_different_states_get_what_each_lacks() -> None:
    a, b = _row("a", 1), _row("b", 2)
    behind = _ops([], [a, b])
    current = _ops([a], [a, b])
    assert [oob for oob, _ in _swaps(behind)] == ["afterbegin:#rows", f"afterend:#{_id(a)}"]
    assert _swaps(current) == [(f"afterend:#{_id(a)}", "2")]


def test_a_changed_row_is_replaced_with_its_new_value_and_a_removed_one_leaves() -> None:
    a, b = _row("a", 1), _row("b", 2)
    a2 = _row("a", 7)
    swaps = _swaps(_ops([a, b], [a2]))
    assert (f"outerHTML:#{_id(b)}", "2") in swaps
    assert ("true", "7") in swaps
    assert len(swaps) == 2


def test_equal_states_share_one_computation() -> None:
    a, b = _row("a", 1), _row("b", 2)
    first = _ops([a], [a, b])
    assert _ops([a], [a, b]) is first
    assert _ops([b], [a, b]) is not first


def _id(row: Row) -> str:
    return listing.row_id(KIND, row.entry.key)


def test_the_shared_pager_follows_its_page() -> None:
    """The pager (like the summary) is rendered once per distinct content for everyone."""
    pager = listing.pager_from({"namespace": ["ns"]})
    last = Page(rows=[], total=3, continue_token=None)
    more = Page(rows=[], total=3, continue_token="t2")
    assert "Next" not in listing.pager_html(last, pager)
    linked = listing.pager_html(more, pager)
    assert "Next" in linked and "continue=t2" in linked
    assert listing.pager_html(more, pager) is linked
