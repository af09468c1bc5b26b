"""Rendered HTML fragments, cached so each changed object is rendered once for everyone.

Why: a list row (or an attention row) looks the same to every viewer who may see it, so
its HTML is keyed by what it shows: the template, the kind's columns, the object's key and
resourceVersion, its stuck flag, and the variant (plain, flashing after a change, or
leaving after a delete). Authorization decides who receives a fragment, never how it is
rendered, so N viewers of one change cost one render.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable

from django.utils.safestring import SafeString, mark_safe

from dashboard.core.lru import Lru


def dom_id(prefix: str, *parts: str) -> str:
    """A selector-safe element id for an object: keys hold dots and slashes, ids must not."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()
    return f"{prefix}-{digest}"


class FragmentCache:
    """Rendered fragments by what they show (consumers render in worker threads)."""

    def __init__(self, size: int = 5000) -> None:
        self._lru: Lru[SafeString] = Lru(size)

    def get(self, key: Hashable, render: Callable[[], str]) -> SafeString:
        return self._lru.get(key, lambda: mark_safe(render()))  # noqa: S308 - autoescaped

    def clear(self) -> None:
        self._lru.clear()


cache = FragmentCache()


def join_safe(pieces: Iterable[str]) -> SafeString:
    """Concatenate rendered fragments (each from an autoescaping template) as safe HTML."""
    return mark_safe("".join(pieces))  # noqa: S308 - pieces are rendered templates


def in_template(html: str) -> str:
    """Wrap a table piece (``<tr>``, ``<tbody>``) so the HTML parser keeps it.

    A message mixes elements; parsed in one go, a bare ``<tr>`` after a ``<div>`` would be
    dropped. Inside its own ``<template>`` it is parsed in table context, and htmx swaps
    the out-of-band elements it finds in template contents.
    """
    return f"<template>{html}</template>"


def with_oob(html: str, oob: str = "true") -> str:
    """Add ``hx-swap-oob`` to a fragment's root element (always ``<tag id=...``)."""
    head, sep, rest = html.lstrip().partition(" ")
    return f'{head} hx-swap-oob="{oob}"{sep}{rest}'
