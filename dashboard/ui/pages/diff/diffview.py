"""The diff between two revisions of one object: path, old, new, noise on request.

Why both bodies are redacted before diffing: history stores bodies redacted (a row written
before that was not), so comparing redacted with redacted is the only comparison that does
not invent changes; each value is masked again by its path (and its ``{name, value}``
pair) before it reaches the template. A changed secret is listed by the revision's changed
paths, which the engine computed on the live objects.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dashboard.core.auth.redactor import masked_changes, redact_body, redactor
from dashboard.ui.yamlview import dump
from informers import diff_objects, readable_path

LONG = 80


@dataclass(frozen=True)
class DiffRow:
    op: str
    path: str
    label: str
    old: str | None
    new: str | None
    long: bool


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value or '""'  # an empty string must not look like "absent"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)


def rows(
    old: dict[str, Any], new: dict[str, Any], *, noise: bool, recorded: Iterable[str] = ()
) -> list[DiffRow]:
    """``recorded``: the changed paths stored with the revisions in the range (see
    ``masked_changes``)."""
    old, new = redact_body(old), redact_body(new)
    found = diff_objects(old, new, noise=noise)
    found = sorted(
        [*found, *masked_changes(old, new, (c.path for c in found), recorded)],
        key=lambda c: c.path,
    )
    result = []
    for change in found:
        before = redactor.redact_change_value(change.path, change.old, roots=(old, new))
        after = redactor.redact_change_value(change.path, change.new, roots=(old, new))
        old_text = None if change.op == "add" else _show(before)
        new_text = None if change.op == "remove" else _show(after)
        longest = max(len(old_text or ""), len(new_text or ""))
        result.append(
            DiffRow(
                op=change.op,
                path=change.path or "/",
                label=readable_path(change.path, new, old),
                old=old_text,
                new=new_text,
                long=longest > LONG or "\n" in (old_text or "") + (new_text or ""),
            )
        )
    return result


def chip_labels(paths: list[str], body: Callable[[], dict[str, Any]]) -> list[str]:
    """Changed paths as readable chips, keyed-list elements named by their key.

    ``body`` loads the revision's object only when a path has a list index to resolve:
    the timeline defers bodies, and most revisions change no list.
    """
    if not any(_has_index(p) for p in paths):
        return [readable_path(p) for p in paths]
    document = body()
    return [readable_path(p, document) for p in paths]


def _has_index(pointer: str) -> bool:
    return any(token.isdigit() for token in pointer.split("/"))


@dataclass(frozen=True)
class UnifiedLine:
    cls: str
    text: str


def unified(old: dict[str, Any], new: dict[str, Any]) -> list[UnifiedLine]:
    lines = difflib.unified_diff(
        dump(old).splitlines(), dump(new).splitlines(), "from", "to", lineterm="", n=3
    )
    result = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        cls = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
        result.append(UnifiedLine(cls=cls, text=line))
    return result
