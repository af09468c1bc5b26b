"""URLs of kinds and objects, built in one place so pages, fragments and tests agree.

Why not ``reverse()`` everywhere: row fragments are rendered thousands of times; plain
string building with per-segment quoting is cheaper and keeps odd names (dots, unicode)
safe in a path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


def _seg(value: str) -> str:
    return quote(value, safe="")


def kind_url(kind: Any) -> str:
    return f"/k/{_seg(kind.group)}/{_seg(kind.plural)}/"


def object_url(kind: Any, namespace: str | None, name: str) -> str:
    if namespace:
        return f"{kind_url(kind)}{_seg(namespace)}/{_seg(name)}/"
    return f"{kind_url(kind)}-/{_seg(name)}/"


def diff_url(kind: Any, namespace: str | None, name: str) -> str:
    return f"{object_url(kind, namespace, name)}diff/"


def timeline_url(kind: Any, namespace: str | None, name: str) -> str:
    return f"{object_url(kind, namespace, name)}timeline/"


def yaml_url(kind: Any, namespace: str | None, name: str) -> str:
    return f"{object_url(kind, namespace, name)}yaml/"
