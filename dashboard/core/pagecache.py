"""Identical list pages share one computation until the kind changes.

Why: API clients poll the same few views, and every live list connection recomputes its
page after each batch of changes. Name-sorted pages are cheap (the store keeps names in
order), but sorts by age or a printer column still go through every match. Pages are
memoized per request (query, token, visible namespaces, stuck threshold) and the kind's
change count, so the first request after a change computes the page and the others reuse
it; the UI list, its live feed and the REST API share the memo. Any change to the kind
invalidates its pages at once; "stuck" flags depend on the clock as well, so a memoized
page is also dropped after a second.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Hashable

from dashboard.core.query import Page, PageRequest, QueryError, list_page
from informers import Change, Engine, Informer

MAX_PAGES = 256
_changes: defaultdict[str, int] = defaultdict(int)
_pages: dict[Hashable, Page | QueryError] = {}
_lock = threading.Lock()


def count_change(change: Change) -> None:
    """Engine change listener (reader thread): bump the kind's change count."""
    with _lock:
        _changes[change.kind] += 1


def attach(engine: Engine) -> None:
    engine.add_change_listener(count_change)


def page(informer: Informer, request: PageRequest) -> Page:
    """``list_page``, memoized; raises QueryError like it does."""
    kind = informer.kind.key
    key = (kind, id(informer), request, _changes.get(kind, 0), int(time.monotonic()))
    with _lock:
        found = _pages.get(key)
    if found is None:
        try:
            found = list_page(informer, request)
        except QueryError as exc:
            found = exc
        with _lock:
            if len(_pages) >= MAX_PAGES:
                _pages.clear()
            _pages[key] = found
    if isinstance(found, QueryError):
        raise found
    return found
