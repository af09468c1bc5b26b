"""Why this state: in the list row's tooltip, the detail page and the API body.

The values a rule read come from the object, so they are hostile input like any other
cell: they must reach the page as text (an attribute value in the row, table cells on the
detail page), never as markup, and a value read under a secret-looking name is masked.
No cluster: the fragments are rendered from hand-made entries, as the live feed renders them.
"""

from __future__ import annotations

import json
import time
import uuid

from dashboard.api import render
from dashboard.core.listing.query import Row
from dashboard.core.rules.why import why_text
from dashboard.ui.pages.detail import detailrender, objectview
from dashboard.ui.pages.listing import listing
from informers import PrinterColumn, State, Status
from informers.redaction import REDACTED
from informers.store import Entry
from tests.dashboard.ui.dom import parse
from tests.dashboard.ui.gadgets import gadget_kind

HOSTILE = '"><img src=x onerror="alert(1)"><b>bold</b>'
MARKUP = {"img", "b", "script"}
KIND = gadget_kind(PrinterColumn(name="Note", json_path=".spec.note", type="string"))


def _entry(status: Status) -> Entry:
    obj = {
        "metadata": {"name": "g", "namespace": "ns", "resourceVersion": uuid.uuid4().hex},
        "spec": {"note": HOSTILE},
    }
    return Entry(key="ns/g", obj=obj, status=status, since=time.time())


def _decided(**inputs: object) -> Status:
    return Status(
        State.FAILED,
        "Degraded",
        "it broke",
        rule="argo-cd/Application",
        inputs=tuple(inputs.items()),
        when='health == "Degraded"',
    )


def test_why_text_names_rule_expression_and_values() -> None:
    status = _decided(health="Degraded", ready=None, replicas=3)
    assert why_text(status) == (
        'argo-cd/Application: health == "Degraded" (health="Degraded", ready=null, replicas=3)'
    )
    assert why_text(Status(State.CURRENT, "", "")) == ""


def test_row_tooltip_says_why_and_keeps_hostile_values_text() -> None:
    status = _decided(note=HOSTILE)
    html = listing.row_html(KIND, Row(entry=_entry(status), columns={"Note": HOSTILE}, stuck=False))
    assert HOSTILE not in html
    root = parse(html)
    assert not (root.tags() & MARKUP), root.tags()
    (cell,) = [td for td in root.find_all("td") if td.attrs.get("class") == "state"]
    assert cell.attrs["title"] == why_text(status)
    assert HOSTILE.replace('"', '\\"') in cell.attrs["title"]  # JSON-quoted, as text


def test_row_without_a_rule_has_no_tooltip() -> None:
    html = listing.row_html(
        KIND, Row(entry=_entry(Status(State.CURRENT, "", "")), columns={}, stuck=False)
    )
    (cell,) = [td for td in parse(html).find_all("td") if td.attrs.get("class") == "state"]
    assert "title" not in cell.attrs


def test_detail_block_shows_rule_expression_and_values_as_text() -> None:
    status = _decided(health="Degraded", note=HOSTILE)
    view = objectview.build(None, KIND, _entry(status))
    html = detailrender.overview_html(view)
    assert HOSTILE not in html
    root = parse(html)
    assert not (root.tags() & MARKUP), root.tags()
    (block,) = root.find_all("section", "why")
    assert block.find_all("h2")[0].text == "Why this state"
    assert block.find_all("dd", "why-rule")[0].text == "argo-cd/Application"
    assert block.find_all("code", "why-when")[0].text == 'health == "Degraded"'
    rows = [[td.text for td in tr.find_all("td")] for tr in block.find_all("tr")[1:]]
    assert rows == [["health", '"Degraded"'], ["note", json.dumps(HOSTILE)]]


def test_detail_has_no_block_without_a_rule() -> None:
    view = objectview.build(None, KIND, _entry(Status(State.CURRENT, "", "")))
    assert not parse(detailrender.overview_html(view)).find_all("section", "why")


def test_secret_looking_inputs_are_masked_everywhere() -> None:
    status = _decided(dbPassword="hunter2", url="postgres://app:hunter2@db/x", health="ok")
    entry = _entry(status)
    shown = render.state_info(entry, False)
    assert shown["rule"] == "argo-cd/Application"
    assert shown["when"] == 'health == "Degraded"'
    assert shown["inputs"]["dbPassword"] == REDACTED
    assert shown["inputs"]["health"] == "ok"
    assert "hunter2" not in str(shown["inputs"])
    assert "hunter2" not in why_text(status)
    assert list(shown["inputs"]) == ["dbPassword", "url", "health"]  # the rule's order
    html = detailrender.overview_html(objectview.build(None, KIND, entry))
    assert "hunter2" not in html


def test_api_state_info_without_a_rule_is_empty_not_missing() -> None:
    shown = render.state_info(_entry(Status(State.CURRENT, "", "")), False)
    assert (shown["rule"], shown["inputs"], shown["when"]) == ("", {}, "")


def test_the_message_is_inline_for_what_is_not_current() -> None:
    """Issue 19 item 8: reading why a row failed must not need a hover."""
    failed = Status(State.FAILED, "Stalled", "<b>disk</b> full on node-1")
    html = listing.row_html(KIND, Row(entry=_entry(failed), columns={}, stuck=False))
    (cell,) = [td for td in parse(html).find_all("td") if td.attrs.get("class") == "state"]
    (inline,) = cell.find_all("span", "msg-inline")
    assert inline.text == "<b>disk</b> full on node-1"  # as text, not markup
    assert "<b>" not in html
    current = Status(State.CURRENT, "Ready", "all replicas ready")
    html = listing.row_html(KIND, Row(entry=_entry(current), columns={}, stuck=False))
    assert "msg-inline" not in html
