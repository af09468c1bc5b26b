"""The bare watch's reading of watch events: which change it saw, and where to resume."""

from __future__ import annotations

import orjson

from benchmarks.delivery import tokens_in


def _event(kind: str, name: str, size: int | None, version: str) -> bytes:
    spec = {} if size is None else {"size": size}
    obj = {"metadata": {"name": name, "resourceVersion": version}, "spec": spec}
    return orjson.dumps({"type": kind, "object": obj})


def test_each_modified_value_is_kept_at_its_first_sighting() -> None:
    seen: dict[str, float] = {}
    lines = b"\n".join([_event("MODIFIED", "w1", 5, "10"), _event("ADDED", "w2", 7, "11"), b""])
    assert tokens_in(lines, 1.0, seen) == "11"
    assert tokens_in(_event("MODIFIED", "w1", 5, "12") + b"\n", 2.0, seen) == "12"
    assert seen == {"w1|5": 1.0}  # ADDED is no change of a value; the repeat keeps 1.0


def test_a_bookmark_moves_the_resume_point_and_records_nothing() -> None:
    seen: dict[str, float] = {}
    assert tokens_in(_event("BOOKMARK", "", None, "40") + b"\n", 1.0, seen) == "40"
    assert tokens_in(b"\n", 1.0, seen) == "" and seen == {}
