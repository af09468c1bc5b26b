"""One kind's objects kept sorted by a caller's sort key, and kept so by every write.

Why: a list sorted by age, state or a printer column used to sort (or heap-select) every
match on each request: 0.8-0.9 s a page at 20k objects, and a live tab sorted that way
paid it again after every batch of changes. An order is built once, the first time a
sort is asked for, and after that each add or delete moves one item (a bisect and a list
insert), so a page is a walk from its continue point that stops when the page is full.

The sort key comes from the caller (the dashboard knows what a column shows, redaction
included); this module only needs it to be a total order whose last element is the
object's key, which also makes every item unique. Items are what
``sort_item`` makes: the key
behind a 0, or, for an object whose key failed, a 1 and the object's key, so a malformed
object sorts last instead of stopping the reflector thread that maintains the order.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from informers.store import Entry

log = logging.getLogger(__name__)

SortKey = Callable[["Entry"], tuple[Any, ...]]


def sort_item(key: SortKey, entry: Entry) -> tuple[Any, ...]:
    """``(0, *key(entry))``; ``(1, entry.key)`` when the key raises or does not end with
    the entry's key. Paging code that sorts a few entries itself uses this too, so its
    continue tokens compare with an ordering's items."""
    try:
        item = key(entry)
        if not item or item[-1] != entry.key:
            raise ValueError(f"sort key {item!r:.80} does not end with the entry's key")
    except Exception:  # a malformed object must not break the writer: it sorts last
        log.warning("sort key failed for %s", entry.key, exc_info=True)
        return (1, entry.key)
    return (0, *item)


class Ordering:
    """Sort tuples of every entry, in order, plus each key's tuple for removal."""

    __slots__ = ("_items", "_key", "_of")

    def __init__(self, key: SortKey, entries: Iterable[Entry]) -> None:
        self._key = key
        self._of: dict[str, tuple[Any, ...]] = {e.key: sort_item(key, e) for e in entries}
        self._items: list[tuple[Any, ...]] = sorted(self._of.values())

    def add(self, entry: Entry) -> None:
        """Insert ``entry`` (after :meth:`discard` of its older version, if any)."""
        item = sort_item(self._key, entry)
        self._of[entry.key] = item
        insort(self._items, item)

    def discard(self, key: str) -> None:
        item = self._of.pop(key, None)
        if item is None:
            return
        at = bisect_left(self._items, item)
        if at < len(self._items) and self._items[at] == item:
            del self._items[at]

    def snapshot(self) -> list[tuple[Any, ...]]:
        """The items in order: a copy, safe to walk while writes go on."""
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)
