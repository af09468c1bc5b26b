"""Label selector parsing, matching, canonical form and error messages."""

from __future__ import annotations

import pytest

from informers.selector import Selector, SelectorError, parse_selector

LABELS = {"app": "db", "tier": "backend", "example.com/team": "data", "empty": ""}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("", True),
        ("   ", True),
        ("app=db", True),
        ("app==db", True),
        ("app = db", True),
        ("app=web", False),
        ("app!=web", True),
        ("app!=db", False),
        ("missing!=x", True),
        ("app in (web,db)", True),
        ("app in ( web , db )", True),
        ("app in(web)", False),
        ("missing in (a)", False),
        ("app notin (web)", True),
        ("app notin (db,web)", False),
        ("missing notin (a)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("! app", False),
        ("empty=", True),
        ("empty in ()", True),
        ("app in ()", False),
        ("example.com/team=data", True),
        ("app=db,tier=backend", True),
        ("app=db , tier=frontend", False),
        ("app=db,!missing,tier in (backend),example.com/team", True),
        ("in", False),
    ],
)
def test_matches(text: str, matches: bool) -> None:
    assert parse_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("tier=backend,app==db", "app=db,tier=backend"),
        ("app in ( web , db )", "app in (db,web)"),
        ("app notin (b,a,a)", "app notin (a,b)"),
        ("! x , x", "x,!x"),
        ("a=1,a=1", "a=1"),
        ("a=", "a="),
        ("a!=b", "a!=b"),
        ("a in ()", "a in ()"),
    ],
)
def test_canonical_form_round_trips(text: str, canonical: str) -> None:
    selector = parse_selector(text)
    assert str(selector) == canonical
    assert parse_selector(str(selector)) == selector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        ("app=db", {"app": "db"}),
        ("app==db,tier in (backend)", {"app": "db", "tier": "backend"}),
        ("app in (db,web)", {}),
        ("app!=db,x,!y,z notin (a)", {}),
        ("a=2,a=1", {"a": "1"}),
    ],
)
def test_equalities(text: str, expected: dict[str, str]) -> None:
    assert parse_selector(text).equalities() == expected


@pytest.mark.parametrize(("text", "empty"), [("", True), (" ", True), ("a", False)])
def test_empty(text: str, empty: bool) -> None:
    assert parse_selector(text).empty is empty


def test_default_selector_matches_everything() -> None:
    assert Selector().matches({}) and Selector().empty


@pytest.mark.parametrize(
    ("text", "offending"),
    [
        ("app=db=x", "'='"),
        ("app=db x", "'x'"),
        ("app in db", "'db'"),
        ("app in (a b)", "'b'"),
        ("app in (a", "the end"),
        ("app notin", "the end"),
        ("app>3", "operator '>' is not supported"),
        ("app < 3", "operator '<' is not supported"),
        ("app=db,", "expected a label key"),
        (",app", "expected a label key"),
        ("app,,tier", "expected a label key"),
        ("!", "expected a label key"),
        ("!app=db", "'='"),
        ("=db", "expected a label key"),
        ("app)", "')'"),
        ("-app=x", "invalid label key '-app'"),
        ("app-=x", "invalid label key 'app-'"),
        ("a" * 64 + "=x", "longer than 63"),
        ("Example.com/app=x", "DNS subdomain"),
        ("a/b/c=x", "at most one '/'"),
        ("/app=x", "prefix before '/' is empty"),
        ("example.com/=x", "name part is empty"),
        ("app=-db", "invalid label value '-db'"),
        ("app=d*b", "invalid label value 'd*b'"),
        ("app=" + "v" * 64, "longer than 63"),
        ("app in (ok,bad!)", "'!'"),
        ("app in (ok,-bad)", "invalid label value '-bad'"),
    ],
)
def test_errors_name_the_offending_part(text: str, offending: str) -> None:
    with pytest.raises(SelectorError) as caught:
        parse_selector(text)
    assert offending in str(caught.value)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "a" * 63 + "=" + "b" * 63,
        "a.b_c-d=e.f_g-h",
        "sub.example.com/name=v",
        "A1=Z9",
        "app=",
    ],
)
def test_valid_edge_cases(text: str) -> None:
    assert not parse_selector(text).empty


def test_selector_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_selector("a in")


def test_non_string_is_rejected_clearly() -> None:
    with pytest.raises(SelectorError, match="string"):
        parse_selector(42)  # type: ignore[arg-type]
