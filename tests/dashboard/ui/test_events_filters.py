"""The Events page's URL filters: what each parameter accepts, and what a bad one says."""

from __future__ import annotations

import pytest

from dashboard.ui.pages.events.filters import DEFAULT_LIMIT, MAX_LIMIT, EventFilters, parse


def test_no_parameters_is_everything_newest_first() -> None:
    filters, error = parse({})
    assert error is None
    assert filters == EventFilters()
    assert filters.window_seconds is None and not filters.any


def test_every_filter_is_read_and_round_trips_to_params() -> None:
    params = {
        "namespace": ["team-a"],
        "kind": ["demo.crscope.dev/widgets"],
        "name": ["w-1"],
        "reason": ["BackOff"],
        "type": ["Warning"],
        "window": ["1h"],
    }
    filters, error = parse(params)
    assert error is None
    assert filters.params() == {k: v[0] for k, v in params.items()}
    assert filters.window_seconds == 3600
    assert parse({k: [v] for k, v in filters.params().items()})[0] == filters


def test_the_last_value_wins_and_blanks_are_no_filter() -> None:
    filters, error = parse({"type": ["Normal", "Warning"], "namespace": [" "]})
    assert error is None
    assert filters.type == "Warning" and filters.namespace == ""


def test_window_all_keeps_everything() -> None:
    filters, error = parse({"window": ["all"]})
    assert error is None and filters.window == "" and filters.window_seconds is None


@pytest.mark.parametrize(
    ("param", "value", "says"),
    [
        ("type", "warning", "Warning or Normal"),
        ("type", "Error", "Warning or Normal"),
        ("window", "2h", "15m, 1h, 6h, 24h, 7d or all"),
        ("window", "-1", "15m"),
        ("namespace", "Team_A", "not a namespace name"),
        ("namespace", "a" * 64, "not a namespace name"),
        ("kind", "widgets", "group/plural"),
        ("kind", "demo/<script>", "group/plural"),
        ("reason", "x" * 254, "longer than 253"),
        ("limit", "ten", "whole number"),
        ("limit", "0", "at least 1"),
    ],
)
def test_a_bad_value_is_named_and_left_out(param: str, value: str, says: str) -> None:
    filters, error = parse({param: [value], "type": ["Normal"] if param != "type" else [value]})
    assert error is not None
    assert error.param == param and says in error.message
    assert getattr(filters, param) in ("", DEFAULT_LIMIT)
    if param != "type":
        assert filters.type == "Normal"  # the good filters still apply


def test_page_size_is_bounded() -> None:
    assert parse({"limit": ["50"]})[0].limit == 50
    assert parse({"limit": ["100000"]})[0].limit == MAX_LIMIT


def test_a_token_is_bound_to_every_filter() -> None:
    base = parse({"type": ["Warning"]})[0]
    prints = {
        base.fingerprint(),
        parse({"type": ["Normal"]})[0].fingerprint(),
        parse({"type": ["Warning"], "namespace": ["a"]})[0].fingerprint(),
        parse({"type": ["Warning"], "window": ["1h"]})[0].fingerprint(),
        parse({"type": ["Warning"], "limit": ["5"]})[0].fingerprint(),
        parse({"type": ["Warning"], "reason": ["a"]})[0].fingerprint(),
    }
    assert len(prints) == 6
