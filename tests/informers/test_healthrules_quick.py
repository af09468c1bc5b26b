"""The Python evaluator of common CEL expressions agrees with the CEL library, exactly."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import cel
import pytest

from informers.healthrules.quick import Unsure, compile_quick

EXPRESSIONS = [
    "x",
    "!x",
    'x == "a"',
    'x != "a"',
    "x == null",
    "x != null",
    "x == 1",
    "x == 1.0",
    "x == true",
    "x < 2",
    "x >= 1.5",
    'x < "b"',
    "x && y",
    "x || y",
    "!x && y",
    "!(x || y)",
    'x == "a" || y == "b"',
    'x == "a" && y != null && y > 0',
    "(x == 1 || y == 1) && !(x == y)",
    'x == "a" || x == "b" || x == "True"',
    'x == "a" || y == "b" || x == "c"',
    '"a" == x',
    "true == x",
    "x != false",
    "m.k != null",
    'm.k == "a" || m.k == "s"',
    "m.k == 1",
    'm.k == "a" || x == true',
    "m.k.j == 1 && x",
    'm["k"] == 1',
    "x == y",
    "x < y",
    "'single' == x",
    "null == null",
    "true",
    "42",
    '"text"',
]

VALUES: list[Any] = [None, True, False, 0, 1, 2, 1.0, 1.5, "a", "b", "True", [1], {"k": 1}]
MAPS: list[Any] = [{}, {"k": 1}, {"k": "a"}, {"k": {"j": 1}}, {"k": None}, {"k": "s"}]


class _Paths:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def value(self, name: str) -> Any:
        return self.values[name]

    def select(self, root: str, path: tuple[str, ...]) -> Any:
        node = self.values[root]
        for step in path:
            if not isinstance(node, Mapping):
                raise TypeError("no such overload")
            node = node[step]  # KeyError: missing, as in CEL
        return node


def _outcome(run: Any) -> tuple[str, Any]:
    try:
        return "value", run()
    except (KeyError, IndexError):
        return "missing", None
    except (TypeError, RuntimeError, ValueError):
        return "error", None


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_quick_agrees_with_cel(source: str) -> None:
    quick = compile_quick(source)
    assert quick is not None, source
    program = cel.compile(source)
    checked = 0
    for x, y, m in itertools.product(VALUES, VALUES, MAPS):
        values = {"x": x, "y": y, "m": m}
        expected = _outcome(lambda: program.execute(values))  # noqa: B023
        try:
            got = _outcome(lambda: quick(_Paths(values)))  # noqa: B023
        except Unsure:
            continue
        checked += 1
        if expected[0] == "value" and got[0] == "value":
            assert type(got[1]) is type(expected[1]) and got[1] == expected[1], (source, values)
        elif expected[0] == "error" and got[0] == "missing":
            # CEL reports a field of null as a type error; rules never see that case,
            # because the engine drops nulls on the way (they read as missing).
            assert _has_null_on_the_way(values), (source, values)
        else:
            assert got[0] == expected[0], (source, values, expected, got)
    assert checked > 0


def _has_null_on_the_way(values: Mapping[str, Any]) -> bool:
    return isinstance(values["m"], Mapping) and values["m"].get("k", 0) is None


@pytest.mark.parametrize(
    "source",
    [
        "x in [1, 2]",
        "x - 1 == 2",
        "x.map(i, i) == y",
        "x.size() > 0",
        "has(object.status.x)",
        "x.matches(y)",
        "x.exists(i, j, i == j)",
        'x.startsWith("a")',
        "-1 < x",
        "1u == x",
        "0x10 == x",
        r'x == "a\"b"',
        "r'raw' == x",
        "",
    ],
)
def test_outside_the_subset_is_left_to_cel(source: str) -> None:
    assert compile_quick(source) is None


MACRO_EXPRESSIONS = [
    "size(x) > 0",
    "size(x) == y",
    "x.exists(i, i == y)",
    "x.exists(i, i.a == 1)",
    "x.exists(i, i.a)",
    "x.all(i, i.a == 1)",
    "x.all(i, i)",
    "x.exists_one(i, i.a == 1)",
    "size(x.filter(i, i.a != 1))",
    "x.filter(i, i.a == 1)[0].b",
    'x.filter(i, i.a == 1)[0]["b"]',
    '"by " + x.filter(i, i.a == 1)[0].b',
    'y + "!"',
    "x.exists(i, i.c.exists(j, j.t == y))",
    'x.all(i, i.c.exists(j, j.t == "A" && j.s == y))',
    "x.exists(i, i.c.exists(i, i.t == 1))",
    "x.exists(i, i.a.b == 1)",
    "x.exists(i, i.a == null || i.a > y)",
    "x.exists(i, has(i.a))",
    "x.exists(i, has(i.a.b) && i.a.b == 1)",
    'size(x.filter(i, has(i.c) && i.c.exists(j, j.t == "A"))) > 0',
    'y == "A" ? "a" : x.filter(i, has(i.a))[0].a',
    'y ? x : "no"',
    'x.exists(i, i.a == 1) ? "one" : y == null ? "none" : "other"',
    'string(y) + "!"',
    "string(size(x)) == y",
    'y.contains("A")',
    'x != null && size(x) > 0 ? x[0] : ""',
    "x[1].a == 1",
    'x.exists(i, i.b.contains("x"))',
]

LISTS: list[Any] = [
    None,
    1,
    "ab",
    [],
    [1],
    [True, 1],
    [False, 1],
    {"a": 1},
    {"k": 1},
    [{"a": 1}, {}],
    [{}, {"a": 1}],
    [{"a": 2}, {}],
    [{"a": 1, "b": "x"}, {"a": 1}],
    [{"a": 1}, {"a": 1, "b": "x"}],
    [{"a": 2}, {"a": 1}],
    [{"a": None}],
    [{"a": {"b": 1}}, 5],
    [{"c": [{"t": "A", "s": 1}]}, {"c": [{"t": 1}]}],
    [{"c": [{"t": "A", "s": "a"}]}, {"c": []}],
    [{"c": [{"t": "B"}, {"t": "A", "s": True}]}],
    [{"c": None}],
    [{"c": [{}]}],
]


@pytest.mark.parametrize("source", MACRO_EXPRESSIONS)
def test_quick_macros_agree_with_cel(source: str) -> None:
    """The macros, size() and string + as the library evaluates them: errors in any
    element propagate unless exists/all already decided; a map ranges over its keys."""
    quick = compile_quick(source)
    assert quick is not None, source
    program = cel.compile(source)
    checked = 0
    for x, y in itertools.product(LISTS, [None, 1, "a", "A", True, [1]]):
        values = {"x": x, "y": y}
        expected = _outcome(lambda: program.execute(values))  # noqa: B023
        try:
            got = _outcome(lambda: quick(_Paths(values)))  # noqa: B023
        except Unsure:
            continue
        checked += 1
        if expected[0] == "value" and got[0] == "value":
            assert type(got[1]) is type(expected[1]) and got[1] == expected[1], (source, values)
        else:
            assert got[0] == expected[0], (source, values, expected, got)
    assert checked > 0
