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

from dashboard.core.auth.redactor import redactor
from informers import REDACTED

_LINE = re.compile(
    r"^(?P<indent>\s*(?:- )*)(?P<key>[^\s:#'\"][^:]*?|'[^']*'|\"[^\"]*\"):"
    r"(?P<rest>\s.*|)$"
)
_ITEM = re.compile(r"^(?P<indent>\s*(?:- )+)(?P<rest>.*)$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_KEYWORDS = {"true", "false", "null", "~"}
# Written by the apiserver, or meaningless in another cluster: never part of what to apply.
_SERVER_OWNED = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_APPLY_HEADER = (
    "# For kubectl apply: status and server-owned metadata (uid, resourceVersion,\n"
    "# generation, creationTimestamp, managedFields) are left out.\n"
)


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
    return yaml_text(clean(obj))


def yaml_text(value: Any) -> str:
    """Block-style YAML as a person would write it: keys in the object's order."""
    return yaml.safe_dump(
        value, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100
    )


def apply_dump(obj: Mapping[str, Any]) -> str:
    """The object as YAML to feed ``kubectl apply``: no status, no server-owned metadata,
    and no redacted value. A redacted field is left out rather than copied as the
    placeholder (which apply would write into the secret field); a comment names it."""
    shown = clean(obj)
    shown.pop("status", None)
    meta = shown.get("metadata")
    if isinstance(meta, dict):
        for key in _SERVER_OWNED:
            meta.pop(key, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(_LAST_APPLIED, None)  # kubectl apply writes its own
            if not annotations:
                del meta["annotations"]
    left_out: list[str] = []
    kept = _without_redacted(shown, "", left_out)
    header = _APPLY_HEADER
    if left_out:
        header += "# Left out because they are redacted; set them before applying:\n"
        header += "".join(f"#   {path}\n" for path in left_out)
    return header + yaml_text(kept)


def _without_redacted(value: Any, path: str, left_out: list[str]) -> Any:
    """``value`` without the nodes that hold (or contain in their text) ``REDACTED``;
    their dotted paths (``spec.env[0].value``) are added to ``left_out``."""
    if isinstance(value, dict):
        kept = {}
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _redacted(child):
                left_out.append(where)
            else:
                kept[key] = _without_redacted(child, where, left_out)
        return kept
    if isinstance(value, list):
        items = []
        for index, child in enumerate(value):
            if _redacted(child):
                left_out.append(f"{path}[{index}]")
            else:
                items.append(_without_redacted(child, f"{path}[{index}]", left_out))
        return items
    return value


def _redacted(value: Any) -> bool:
    return isinstance(value, str) and REDACTED in value


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
