"""Rendered HTML fragments, cached so each changed object is rendered once for everyone.

Why: a list row (or an attention row) looks the same to every viewer who may see it, so
its HTML is keyed by what it shows: the template, the kind's columns, the object's key and
resourceVersion, its stuck flag, and the variant (plain, flashing after a change, or
leaving after a delete). Authorization decides who receives a fragment, never how it is
rendered, so N viewers of one change cost one render.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from django.utils.safestring import SafeString, mark_safe


def dom_id(prefix: str, *parts: str) -> str:
    """A selector-safe element id for an object: keys hold dots and slashes, ids must not."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()
    return f"{prefix}-{digest}"


class FragmentCache:
    """A small thread-safe LRU of rendered fragments (consumers render in worker threads)."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, SafeString] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, render: Callable[[], str]) -> SafeString:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
        # Rendered outside the lock: two threads may race to render the same key, which
        # costs one wasted render but never blocks readers behind a slow template.
        html = mark_safe(render())  # noqa: S308 - output of an autoescaping template
        with self._lock:
            self.misses += 1
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


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
