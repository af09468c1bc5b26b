"""Compiled expressions: what they read, and the pruned view of the object they get.

Why in-process: an expression gets only the paths it selects (``view``), so a path it
reads that ``selected_paths`` misses reads as absent and a rule decides on a field it
never saw; and a field read by a method name must not be taken for a path.
"""

from __future__ import annotations

import pytest

from informers.healthrules.expressions import (
    MAX_VIEW_DEPTH,
    WHOLE,
    CompileError,
    ViewError,
    compile_expression,
    measure,
    names_in,
    selected_paths,
    view,
)


def test_paths_are_collected_per_root_and_merged() -> None:
    paths = selected_paths(
        'object.status.phase == "Failed" && object.status["observedGeneration"] > 1 '
        '&& conditions.Ready.status == "True"'
    )
    assert paths == {
        "object": {"status": {"phase": {}, "observedGeneration": {}}},
        "conditions": {"Ready": {"status": {}}},
    }


def test_a_method_call_is_not_a_field_and_a_bare_root_reads_everything() -> None:
    assert selected_paths('object.metadata.name.startsWith("x")') == {
        "object": {"metadata": {"name": {}}}
    }
    assert selected_paths("size(object) > 2")["object"] is WHOLE
    assert selected_paths("object[key] == 1")["object"] is WHOLE  # a computed key


def test_a_field_named_like_a_root_is_not_a_root() -> None:
    assert selected_paths("inputs.object.x == 1") == {}


def test_the_view_keeps_only_the_selected_paths_and_drops_nulls() -> None:
    obj = {
        "metadata": {"name": "a", "annotations": {"big": "x" * 1000}},
        "status": {"phase": "Running", "detail": None, "other": 1},
    }
    trie = selected_paths("object.status.phase == object.status.detail")["object"]
    assert view(obj, trie) == {"status": {"phase": "Running"}}
    assert view(obj, WHOLE) is obj


def test_a_simple_selection_is_read_in_python() -> None:
    assert compile_expression("object.status.phase").fast == ("object", ("status", "phase"))
    assert compile_expression("conditions.Ready.reason").fast == (
        "conditions",
        ("Ready", "reason"),
    )
    assert compile_expression('object.status.phase == "x"').fast is None


def test_variables_exclude_comprehension_bindings() -> None:
    expression = compile_expression("object.spec.items.exists(i, i.name == wanted)")
    assert expression.variables == frozenset({"object", "wanted"})
    assert expression.comprehensions == 1


def test_a_bad_expression_names_where_it_broke() -> None:
    with pytest.raises(CompileError):
        compile_expression('object.status.phase == "')
    with pytest.raises(CompileError, match="empty"):
        compile_expression("   ")


def test_names_include_identifiers_and_string_literals() -> None:
    assert names_in('object.spec["password"] == token') == (
        "object",
        "spec",
        "password",
        "token",
    )


def test_measure_counts_values_and_refuses_data_nested_too_deep() -> None:
    assert measure({"a": [1, 2, {"b": None}]}, limit=100) == 6
    deep: object = "leaf"
    for _ in range(MAX_VIEW_DEPTH + 1):
        deep = [deep]
    with pytest.raises(ViewError):
        measure(deep, limit=10_000)
