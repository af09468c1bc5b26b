"""Evaluate a CRD's additionalPrinterColumns (the JSONPath subset kubectl accepts).

Why here: lists in the UI, the API and benchmarks all show printer columns for any CRD,
and evaluating them once per change (not per request) needs a framework-free evaluator.
Supported: ``.a.b``, ``.a[0]``, ``.a[*].b``, ``['key.with.dots']`` and filters
``[?(@.type=="Ready")]``. Anything else yields None rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from informers.kinds import PrinterColumn

_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z0-9_\-]+)
      |\[\?\(@\.(?P<fkey>[A-Za-z0-9_\-.]+)\s*==\s*(?P<q>["'])(?P<fval>.*?)(?P=q)\)\]
      |\[(?P<index>-?\d+|\*)\]
      |\[(?P<q2>["'])(?P<key>.*?)(?P=q2)\]""",
    re.VERBOSE,
)


@lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[tuple[str, str, str], ...] | None:
    """The path parsed once: every list row, sort key and redaction check of a column
    reads it again, and parsing took about half of each evaluation (a kind has a handful
    of column paths, so the cache stays small)."""
    expr = path.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1]
    if expr.startswith("$"):
        expr = expr[1:]
    steps: list[tuple[str, str, str]] = []
    pos = 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None:
            return None
        if match.group("name") is not None:
            steps.append(("key", match.group("name"), ""))
        elif match.group("fkey") is not None:
            steps.append(("filter", match.group("fkey"), match.group("fval")))
        elif match.group("index") is not None:
            steps.append(("index", match.group("index"), ""))
        else:
            steps.append(("key", match.group("key"), ""))
        pos = match.end()
    return tuple(steps)


def key_segments(json_path: str) -> tuple[str, ...] | None:
    """The keys a column path walks through, with ``*`` for any index or filter; None when
    the path is not in the supported subset (then ``evaluate`` yields None as well).

    Why: redaction must judge ``.spec['password']`` and ``.spec.password`` alike, so it
    reads the path exactly as the evaluator does.
    """
    steps = _steps(json_path)
    if steps is None:
        return None
    return tuple(arg if kind == "key" else "*" for kind, arg, _ in steps)


def parent_values(obj: Mapping[str, Any], json_path: str) -> list[Any]:
    """The nodes that hold the last key of ``json_path`` (``.env[0]`` for ``.env[0].value``),
    or [] when the path does not end in a key."""
    steps = _steps(json_path)
    if not steps or steps[-1][0] != "key":
        return []
    values: list[Any] = [obj]
    for step in steps[:-1]:
        values = _apply(values, step)
    return values


def _dig(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _apply(values: list[Any], step: tuple[str, str, str]) -> list[Any]:
    kind, arg, expected = step
    out: list[Any] = []
    for value in values:
        if kind == "key" and isinstance(value, Mapping) and arg in value:
            out.append(value[arg])
        elif kind == "index" and isinstance(value, Sequence) and not isinstance(value, str):
            if arg == "*":
                out.extend(value)
            elif -len(value) <= int(arg) < len(value):
                out.append(value[int(arg)])
        elif kind == "filter" and isinstance(value, Sequence) and not isinstance(value, str):
            out.extend(v for v in value if str(_dig(v, arg)) == expected)
    return out


def evaluate(obj: Mapping[str, Any], json_path: str) -> Any:
    """The value at ``json_path`` (a list when it fans out), or None when absent."""
    steps = _steps(json_path)
    if steps is None:
        return None
    values: list[Any] = [obj]
    fans_out = False
    for step in steps:
        values = _apply(values, step)
        fans_out = fans_out or step[0] == "filter" or step[1] == "*"
        if not values:
            return None
    if fans_out:
        return values[0] if len(values) == 1 else values
    return values[0]


def column_values(obj: Mapping[str, Any], columns: Sequence[PrinterColumn]) -> dict[str, Any]:
    """Printer-column name -> scalar value (lists joined with commas, objects as None)."""
    result: dict[str, Any] = {}
    for column in columns:
        value = evaluate(obj, column.json_path)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value if not isinstance(v, (dict, list)))
        elif isinstance(value, dict):
            value = None
        result[column.name] = value
    return result
