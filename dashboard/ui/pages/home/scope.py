"""The namespace a home page is scoped to (``/?namespace=``), read the same by page and feed.

Why apart: the page and its live feed must show the same scope, or the feed would
replace a team's view with the whole cluster's on its first push.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from dashboard.core.listing.namespaces import is_namespace_name


class BadScope(ValueError):
    """``?namespace=`` holds what cannot be a namespace name."""


def home_scope(params: Mapping[str, Sequence[str]]) -> str | None:
    """``namespace`` from the query, or None for the whole cluster; raises BadScope for
    what cannot name a namespace (it is said, not silently widened to everything)."""
    value = (list(params.get("namespace") or [""]))[-1].strip()
    if value and not is_namespace_name(value):
        raise BadScope("namespace: not a namespace name (lowercase letters, digits, '-')")
    return value or None


def with_scope(url: str, namespace: str | None) -> str:
    """``url`` narrowed to ``namespace`` (a link from a scoped home page keeps its scope)."""
    if not namespace:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'namespace': namespace})}"
