"""Fragments and helpers that need no cluster: badges, sync progress, sparkline, YAML."""

from __future__ import annotations

from functools import partial

import pytest

from dashboard.core.listing.counts import KindCounts
from dashboard.core.web.timefmt import compact_duration
from dashboard.ui.fragments import FragmentCache, in_template, with_oob
from dashboard.ui.pages.home import overview
from dashboard.ui.pages.home.overview_feed import card_html
from dashboard.ui.pages.home.sparkline import sparkline
from dashboard.ui.templatetags.crscope import reltime, state_badge
from dashboard.ui.yamlview import highlight
from informers import KindInfo, State


@pytest.mark.parametrize("state", list(State))
def test_every_badge_pairs_colour_with_icon_and_text(state: State) -> None:
    html = state_badge(state)
    assert f">{state.value}</span>" in html and "<svg" in html and "st-" in html
    stuck = state_badge(state, True)
    assert "stuck</span>" in stuck and "badge stuck" in stuck


def test_card_shows_sync_progress_for_a_syncing_kind() -> None:
    kind = KindInfo(
        group="big.example.com", version="v1", kind="Thing", plural="things", namespaced=True
    )
    counts = KindCounts(total=12000, by_state=tuple((s, 0) for s in State), stuck=0)
    card = overview.KindCard(
        kind=kind,
        url="/k/big.example.com/things/",
        counts=counts,
        synced=False,
        loaded=12000,
        total=50000,
        spark=sparkline([0, 1], [2, 3]),
    )
    html = card_html(card)
    assert "syncing 12,000 of 50,000" in html
    assert '<progress value="12000" max="50000">' in html


def test_sparkline_scales_both_series_to_one_peak() -> None:
    spark = sparkline([0, 5, 10], [10, 0, 0])
    assert spark.peak == 10 and not spark.empty
    assert spark.failed.split()[0] == "0.0,22.5" and spark.failed.split()[-1] == "120.0,1.5"
    assert "Failed now 10" in spark.summary
    assert sparkline([], []).empty


def test_reltime_has_absolute_time_on_hover() -> None:
    html = reltime(0)
    assert 'datetime="1970-01-01T00:00:00Z"' in html
    assert 'title="1970-01-01 00:00:00 UTC"' in html
    assert compact_duration(3 * 3600 + 4 * 60) == "3h 4m"


def test_yaml_highlighting_escapes_values() -> None:
    html = highlight("metadata:\n  annotations:\n    x: <script>alert(1)</script>\n- <b>")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and '<span class="y-key">x</span>' in html


def test_yaml_highlighting_escapes_keys_and_list_items() -> None:
    """Keys are object text too: a schemaless spec may use any string as a key."""
    html = highlight("spec:\n  <img src=x>: 1\n  '<b>q</b>': 2\n  - <i>item</i>")
    assert "<img" not in html and "<b>" not in html and "<i>" not in html
    assert '<span class="y-key">&lt;img src=x&gt;</span>' in html
    assert "&lt;i&gt;item&lt;/i&gt;" in html


def test_oob_helpers() -> None:
    assert with_oob('<tr id="r-1" class="row">') == '<tr hx-swap-oob="true" id="r-1" class="row">'
    assert in_template("<tr></tr>") == "<template><tr></tr></template>"
    cache = FragmentCache(size=2)
    renders: list[str] = []

    def render(key: str) -> str:
        renders.append(key)
        return f"<p>{key}</p>"

    for key in ("a", "a", "b", "c", "a"):
        cache.get(key, partial(render, key))
    assert renders == ["a", "b", "c", "a"]  # cached until evicted (LRU of two)
