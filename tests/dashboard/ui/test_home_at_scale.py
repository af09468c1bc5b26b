"""The home page at scale: grouped attention rows, cards worst first, empty kinds folded.

Why unit tests beside the journey: the journey proves one cluster's page; these pin the
rules (where grouping starts, what a group links to, which kinds fold, what order cards
take) and the escaping of a group row, without a browser.
"""

from __future__ import annotations

import time
import uuid

from dashboard.core.listing.counts import ORDERED_STATES, KindCounts
from dashboard.ui.pages.home import overview
from dashboard.ui.pages.home.overview_feed import cards_html, empty_list_html, item_html
from dashboard.ui.pages.home.sparkline import sparkline
from informers import KindInfo, State, Status
from informers.store import Entry
from tests.dashboard.ui.dom import parse

WIDGET = KindInfo(
    group="t.crscope.test", version="v1", kind="Widget", plural="widgets", namespaced=True
)
GIZMO = KindInfo(
    group="t.crscope.test", version="v1", kind="Gizmo", plural="gizmos", namespaced=True
)
HOSTILE = '<img src=x onerror="alert(1)"><b>bold</b>'


def _row(
    kind: KindInfo, name: str, reason: str, *, since: float, rank: int = 0
) -> overview.AttentionRow:
    obj = {"metadata": {"name": name, "namespace": "ns", "resourceVersion": uuid.uuid4().hex}}
    entry = Entry(
        key=f"ns/{name}", obj=obj, status=Status(State.FAILED, reason, "it broke"), since=since
    )
    return overview.AttentionRow(kind=kind, entry=entry, stuck=False, rank=rank)


def _card(
    kind: KindInfo, *, synced: bool = True, unavailable: str | None = None, **n: int
) -> overview.KindCard:
    by_state = tuple((s, n.get(s.name.lower(), 0)) for s in ORDERED_STATES)
    counts = KindCounts(total=sum(n.values()), by_state=by_state, stuck=0)
    return overview.KindCard(
        kind=kind,
        url=f"/k/{kind.group}/{kind.plural}/",
        counts=counts,
        synced=synced,
        loaded=0,
        total=None,
        spark=sparkline([], []),
        unavailable=unavailable,
    )


def test_many_of_one_kind_and_reason_are_one_group_row_with_the_oldest_first() -> None:
    now = time.time()
    many = [_row(WIDGET, f"w{i}", "BackendError", since=now - i) for i in range(overview.GROUP_AT)]
    few = [_row(WIDGET, f"q{i}", "QuotaFailed", since=now) for i in range(overview.GROUP_AT - 1)]
    items = overview.grouped([*many, *few, _row(GIZMO, "g", "BackendError", since=now)])
    groups = [i for i in items if isinstance(i, overview.AttentionGroup)]
    assert len(groups) == 1
    (group,) = groups
    assert (group.kind, group.reason, group.count) == (WIDGET, "BackendError", overview.GROUP_AT)
    assert group.oldest.entry.name == f"w{overview.GROUP_AT - 1}"
    assert len(items) == 1 + (overview.GROUP_AT - 1) + 1  # the rest stay rows of their own


def test_a_group_links_to_its_kinds_list_filtered_to_its_rank() -> None:
    now = time.time()
    for rank, query in ((0, "?state=Failed"), (1, "?stuck=true"), (2, "?state=Terminating")):
        rows = [_row(WIDGET, f"w{i}", "R", since=now, rank=rank) for i in range(overview.GROUP_AT)]
        (group,) = overview.grouped(rows)
        assert isinstance(group, overview.AttentionGroup)
        assert group.url.startswith("/k/t.crscope.test/widgets/" + query)


def test_a_new_member_changes_the_group_rows_version_so_the_live_count_moves() -> None:
    now = time.time()
    rows = [_row(WIDGET, f"w{i}", "R", since=now) for i in range(overview.GROUP_AT)]
    (before,) = overview.grouped(rows)
    (after,) = overview.grouped([*rows, _row(WIDGET, "late", "R", since=now)])
    assert before.key == after.key
    assert before.version != after.version


def test_a_group_row_shows_its_count_and_link_and_escapes_reason_and_message() -> None:
    now = time.time()
    rows = [_row(WIDGET, f"w{i}", HOSTILE, since=now) for i in range(150)]
    (group,) = overview.grouped(rows)
    html = item_html(group)
    assert HOSTILE not in html
    root = parse(html)
    assert not (root.tags() & {"img", "b", "script"})
    cells = {c.attrs.get("class", ""): c for c in root.find_all("td")}
    assert cells["reason"].text == HOSTILE
    (link,) = cells["obj"].find_all("a")
    assert link.text == "150 objects"
    assert link.attrs["href"] == "/k/t.crscope.test/widgets/?state=Failed"


def test_cards_order_worst_first_and_empty_kinds_fold() -> None:
    healthy = _card(KindInfo("a.test", "v1", "Alpha", "alphas", True), current=3)
    empty = _card(KindInfo("a.test", "v1", "Empty", "empties", True))
    syncing = _card(KindInfo("a.test", "v1", "Loading", "loadings", True), synced=False)
    blocked = _card(KindInfo("a.test", "v1", "Zed", "zeds", True), synced=False, unavailable="403")
    few = _card(GIZMO, failed=1, current=5)
    most = _card(WIDGET, failed=300)
    cards = sorted([healthy, empty, syncing, blocked, few, most], key=overview.severity)
    names = [c.kind.kind for c in cards]
    assert names[0] == "Widget"  # most Failed first
    assert set(names[1:3]) == {"Zed", "Gizmo"}  # an unlistable kind ranks as Failed
    assert cards.index(healthy) < cards.index(empty)
    assert [c for c in cards if overview.is_empty(c)] == [empty]  # syncing and blocked stay cards
    shown = parse(str(cards_html(cards)))
    titles = [a.text for a in shown.find_all("a") if a.attrs.get("class") == "card-title"]
    assert "Empty" not in titles and "Loading" in titles and "Zed" in titles
    chips = parse(str(empty_list_html(cards))).find_all("a")
    assert [(a.text, a.attrs["href"]) for a in chips] == [("Empty", "/k/a.test/empties/")]
