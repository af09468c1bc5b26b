"""Plan the smallest set of row operations that turns what a browser shows into the new list.

Why: the browser must never rebuild a whole table for one change. Given the keys (and a
version string) the page shows, in order, and the new ordered rows, this yields removals,
in-place replacements and positioned inserts. Rows that keep their relative order (a
longest increasing subsequence of old positions) stay put; the rest are removed and
re-inserted where the sort now puts them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Op = Literal["remove", "move", "replace", "insert"]


@dataclass(frozen=True, slots=True)
class RowOp:
    op: Op
    key: str
    after: str | None = None  # for inserts: the key of the row before it, None = first


Shown = Sequence[tuple[str, str]]  # (key, version) in display order


def plan(old: Shown, new: Shown) -> list[RowOp]:
    old_pos = {key: i for i, (key, _) in enumerate(old)}
    old_version = dict(old)
    new_keys = {key for key, _ in new}
    stable = _stable_keys([(key, old_pos[key]) for key, _ in new if key in old_pos])
    ops = [RowOp("remove", key) for key, _ in old if key not in new_keys]
    ops += [RowOp("move", key) for key, _ in old if key in new_keys and key not in stable]
    previous: str | None = None
    for key, version in new:
        if key in stable:
            if old_version[key] != version:
                ops.append(RowOp("replace", key))
        else:
            ops.append(RowOp("insert", key, after=previous))
        previous = key
    return ops


def _stable_keys(items: list[tuple[str, int]]) -> set[str]:
    """Keys on a longest increasing subsequence of their old positions (patience sort)."""
    tails: list[int] = []  # old position at the end of the best run of each length
    tail_index: list[int] = []
    parent: list[int] = [-1] * len(items)
    for i, (_, pos) in enumerate(items):
        j = bisect.bisect_left(tails, pos)
        if j == len(tails):
            tails.append(pos)
            tail_index.append(i)
        else:
            tails[j] = pos
            tail_index[j] = i
        parent[i] = tail_index[j - 1] if j else -1
    keep: set[str] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        keep.add(items[i][0])
        i = parent[i]
    return keep
