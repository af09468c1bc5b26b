"""YAML for the detail page: redacted, managedFields hidden, lightly highlighted.

Why hand-highlighted: a highlighter library would add a dependency and, in the browser, a
script; a line-based pass that wraps keys and scalars in spans is enough to read a CR.
Every piece of object text goes through ``escape`` before it is wrapped, so hostile
values stay text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dashboard.core.redact import redactor

_LINE = re.compile(
    r"^(?P<indent>\s*(?:- )*)(?P<key>[^\s:#'\"][^:]*?|'[^']*'|\"[^\"]*\"):"
    r"(?P<rest>\s.*|)$"
)
_ITEM = re.compile(r"^(?P<indent>\s*(?:- )+)(?P<rest>.*)$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_KEYWORDS = {"true", "false", "null", "~"}


def clean(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as shown: managedFields dropped, secrets redacted."""
    redacted = redactor.redact(dict(obj))
    if not isinstance(redacted, dict):
        return {}
    meta = redacted.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return redacted


def dump(obj: Mapping[str, Any]) -> str:
    return yaml.safe_dump(
        clean(obj), sort_keys=False, default_flow_style=False, allow_unicode=True, width=100
    )


def _scalar(text: str) -> str:
    stripped = text.strip()
    if not stripped:
        return escape(text)
    if _NUMBER.match(stripped) or stripped in _KEYWORDS:
        cls = "y-lit"
    elif stripped in ("|", "|-", ">", ">-", "{}", "[]"):
        cls = "y-punct"
    else:
        cls = "y-str"
    lead = text[: len(text) - len(text.lstrip())]
    return f'{escape(lead)}<span class="{cls}">{escape(stripped)}</span>'


def highlight(text: str) -> SafeString:
    out = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            out.append(
                f'{escape(match["indent"])}<span class="y-key">{escape(match["key"])}'
                f"</span>:{_scalar(match['rest'])}"
            )
            continue
        item = _ITEM.match(line)
        if item:
            out.append(f"{escape(item['indent'])}{_scalar(item['rest'])}")
        else:
            out.append(escape(line))
    return mark_safe("\n".join(out))  # noqa: S308 - every object-derived piece is escaped
