"""The diff between two revisions of one object: path, old, new, noise on request.

Why redaction happens after diffing: secret values must not be shown, but a changed
password is still a change worth listing, so the diff runs on the stored bodies and each
value is masked by its path before it reaches the template.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from dashboard.core.redact import redactor
from dashboard.ui.yamlview import dump
from informers import diff

LONG = 80


@dataclass(frozen=True)
class DiffRow:
    op: str
    path: str
    old: str | None
    new: str | None
    long: bool


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value or '""'  # an empty string must not look like "absent"
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=None)


def rows(old: dict[str, Any], new: dict[str, Any], *, noise: bool) -> list[DiffRow]:
    result = []
    for change in diff(old, new, noise=noise):
        before = redactor.redact_change_value(change.path, change.old)
        after = redactor.redact_change_value(change.path, change.new)
        old_text = None if change.op == "add" else _show(before)
        new_text = None if change.op == "remove" else _show(after)
        longest = max(len(old_text or ""), len(new_text or ""))
        result.append(
            DiffRow(
                op=change.op,
                path=change.path or "/",
                old=old_text,
                new=new_text,
                long=longest > LONG or "\n" in (old_text or "") + (new_text or ""),
            )
        )
    return result


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
