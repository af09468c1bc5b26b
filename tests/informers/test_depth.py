"""Pruning documents nested past the parser's limit: cut, kept, marked, in-process.

Why: ``informers.depth`` keeps an object the JSON parser refuses visible instead of
dropping it. ``tests/informers/test_deep_objects.py`` proves that end to end against the
apiserver; this pins the pruning itself (levels, strings, wrapping, marking) without one.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from informers.depth import (
    MAX_DEPTH,
    PARSER_LIMIT,
    TOO_DEEP,
    Truncated,
    loads,
    prune,
    too_deep,
)

TOO_DEEP_JSON = orjson.dumps(TOO_DEEP)


def _nested_text(levels: int, leaf: str = "1") -> str:
    """``levels`` objects nested in one another: ``{"n":{"n":...1}}``."""
    return '{"n":' * levels + leaf + "}" * levels


def _depth(value: Any) -> int:
    """Containers on the longest path (a scalar is 0)."""
    depth, frontier = 0, [value]
    while frontier:
        children: list[Any] = []
        for item in frontier:
            if isinstance(item, dict):
                children.extend(item.values())
            elif isinstance(item, list):
                children.extend(item)
        if not any(isinstance(i, (dict, list)) for i in frontier):
            break
        depth += 1
        frontier = children
    return depth


# --- prune -------------------------------------------------------------------------------


def test_a_document_within_the_limit_is_unchanged() -> None:
    raw = b'{"a":[1,{"b":"c"}],"d":{}}'
    assert prune(raw, keep=3) == raw


def test_a_container_opening_past_keep_is_replaced_whole() -> None:
    raw = b'{"a":{"b":{"c":[1,2]}},"z":1}'
    assert orjson.loads(prune(raw, keep=2)) == {"a": {"b": TOO_DEEP}, "z": 1}
    assert orjson.loads(prune(raw, keep=3)) == {"a": {"b": {"c": TOO_DEEP}}, "z": 1}


def test_siblings_after_a_cut_are_kept() -> None:
    raw = b'{"a":[[[1]],[2],3],"b":"after"}'
    assert orjson.loads(prune(raw, keep=3)) == {"a": [[TOO_DEEP], [2], 3], "b": "after"}
    assert orjson.loads(prune(raw, keep=2)) == {"a": [TOO_DEEP, TOO_DEEP, 3], "b": "after"}


def test_brackets_and_escaped_quotes_inside_strings_do_not_count() -> None:
    raw = b'{"s":"[{\\"[[{{","t":{"u":"}}]]"}}'
    assert prune(raw, keep=2) == raw
    assert orjson.loads(prune(raw, keep=1)) == {"s": '[{"[[{{', "t": TOO_DEEP}


def test_keep_zero_cuts_the_document_itself() -> None:
    assert orjson.loads(prune(b'{"a":1}', keep=0)) == TOO_DEEP


@pytest.mark.parametrize("keep", [1, 2, 10, MAX_DEPTH])
def test_a_pruned_document_is_exactly_keep_levels_deep(keep: int) -> None:
    pruned = orjson.loads(prune(_nested_text(PARSER_LIMIT + 10).encode(), keep=keep))
    assert _depth(pruned) == keep


# --- loads -------------------------------------------------------------------------------


def test_a_parsable_document_is_parsed_as_is_and_not_marked() -> None:
    raw = orjson.dumps({"type": "ADDED", "object": {"metadata": {"name": "a"}}})
    event = loads(raw, wrapped=1)
    assert event == orjson.loads(raw)
    assert type(event["object"]) is dict


def test_invalid_json_is_still_an_error() -> None:
    with pytest.raises(orjson.JSONDecodeError) as caught:
        loads(b'{"object": ', wrapped=1)
    assert not too_deep(caught.value)


def test_the_parser_limit_is_what_makes_a_document_too_deep() -> None:
    orjson.loads(_nested_text(PARSER_LIMIT - 1))
    with pytest.raises(orjson.JSONDecodeError) as caught:
        orjson.loads(_nested_text(PARSER_LIMIT + 1))
    assert too_deep(caught.value)


def test_a_deep_watch_event_keeps_its_identity_and_is_marked() -> None:
    text = '{"type":"MODIFIED","object":{"metadata":{"name":"deep"},"spec":'
    text += _nested_text(PARSER_LIMIT) + "}}"
    event = loads(text.encode(), wrapped=1)
    shown = event["object"]
    assert event["type"] == "MODIFIED"
    assert isinstance(shown, Truncated)
    assert shown["metadata"] == {"name": "deep"}
    # The object is level 1; nothing below MAX_DEPTH levels of it survives.
    assert _depth(shown) == MAX_DEPTH
    assert TOO_DEEP_JSON in orjson.dumps(shown)


def test_in_a_deep_list_only_the_objects_that_lost_something_are_marked() -> None:
    deep = '{"metadata":{"name":"deep"},"spec":' + _nested_text(PARSER_LIMIT) + "}"
    shallow = '{"metadata":{"name":"shallow"},"spec":' + _nested_text(MAX_DEPTH - 2) + "}"
    text = '{"kind":"WidgetList","items":[' + shallow + "," + deep + ',"stray"]}'
    body = loads(text.encode(), wrapped=2)
    first, second, stray = body["items"]
    assert type(first) is dict and first["metadata"]["name"] == "shallow"
    assert _depth(first) == MAX_DEPTH - 1
    assert isinstance(second, Truncated) and second["metadata"]["name"] == "deep"
    assert _depth(second) == MAX_DEPTH
    assert stray == "stray"
    assert body["kind"] == "WidgetList"


def test_a_deep_document_that_is_not_an_object_is_returned_pruned() -> None:
    parsed = loads(("[" * (PARSER_LIMIT + 5) + "]" * (PARSER_LIMIT + 5)).encode(), wrapped=1)
    assert isinstance(parsed, list)
    assert _depth(parsed) == MAX_DEPTH + 1
