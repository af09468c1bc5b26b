"""URLs of kinds and objects, built in one place so pages, fragments, tests and the
links in notifications agree (notifications once built their own, from a kind key).

Why not ``reverse()`` everywhere: row fragments are rendered thousands of times; plain
string building with per-segment quoting is cheaper and keeps odd names (dots, unicode)
safe in a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


def _seg(value: str) -> str:
    return quote(value, safe="")


def kind_url(kind: Any) -> str:
    return f"/k/{_seg(kind.group)}/{_seg(kind.plural)}/"


def object_url(kind: Any, namespace: str | None, name: str) -> str:
    """``/k/<group>/<plural>/<namespace or ->/<name>/``; ``kind`` has a group and a plural."""
    if namespace:
        return f"{kind_url(kind)}{_seg(namespace)}/{_seg(name)}/"
    return f"{kind_url(kind)}-/{_seg(name)}/"


@dataclass(frozen=True)
class _KindKey:
    group: str
    plural: str


def object_url_by_key(kind_key: str, namespace: str | None, name: str) -> str:
    """``object_url`` for a kind known only by its key, ``group/plural`` (as stored)."""
    group, _, plural = kind_key.partition("/")
    return object_url(_KindKey(group, plural), namespace, name)


def diff_url(kind: Any, namespace: str | None, name: str) -> str:
    return f"{object_url(kind, namespace, name)}diff/"


def timeline_url(kind: Any, namespace: str | None, name: str) -> str:
    return f"{object_url(kind, namespace, name)}timeline/"


def yaml_url(kind: Any, namespace: str | None, name: str) -> str:
    return f"{object_url(kind, namespace, name)}yaml/"
