"""The row plan turns what the browser shows into the new list with few operations."""

from __future__ import annotations

import random

import pytest

from dashboard.ui.rowdiff import RowOp, plan


def apply(old: list[tuple[str, str]], ops: list[RowOp], new: list[tuple[str, str]]) -> list[str]:
    """Replay the ops like the browser does and return the resulting key order."""
    shown = [k for k, _ in old]
    for op in ops:
        if op.op in ("remove", "move"):
            shown.remove(op.key)
        elif op.op == "insert":
            at = 0 if op.after is None else shown.index(op.after) + 1
            shown.insert(at, op.key)
    return shown


def test_unchanged_list_needs_nothing() -> None:
    rows = [("a", "1"), ("b", "1")]
    assert plan(rows, rows) == []


def test_changed_version_is_replaced_in_place() -> None:
    assert plan([("a", "1"), ("b", "1")], [("a", "1"), ("b", "2")]) == [RowOp("replace", "b")]


def test_insert_goes_after_its_new_neighbour() -> None:
    ops = plan([("a", "1"), ("c", "1")], [("a", "1"), ("b", "1"), ("c", "1")])
    assert ops == [RowOp("insert", "b", after="a")]
    assert plan([], [("a", "1")]) == [RowOp("insert", "a", after=None)]


def test_removed_row_is_removed() -> None:
    assert plan([("a", "1"), ("b", "1")], [("b", "1")]) == [RowOp("remove", "a")]


def test_a_re_sorted_row_moves_alone() -> None:
    ops = plan(
        [("a", "1"), ("b", "1"), ("c", "1"), ("d", "1")],
        [("b", "1"), ("c", "1"), ("d", "1"), ("a", "2")],
    )
    assert ops == [RowOp("move", "a"), RowOp("insert", "a", after="d")]


@pytest.mark.parametrize("seed", range(40))
def test_any_permutation_replays_to_the_new_order(seed: int) -> None:
    rng = random.Random(seed)
    keys = [f"k{i}" for i in range(12)]
    old = [(k, "1") for k in rng.sample(keys, rng.randint(0, 12))]
    new = [(k, rng.choice("12")) for k in rng.sample(keys, rng.randint(0, 12))]
    ops = plan(old, new)
    assert apply(old, ops, new) == [k for k, _ in new]
    moved = {op.key for op in ops if op.op == "move"}
    assert len(moved) <= len(old)
