"""Identical list pages share one computation until the kind changes.

Why: API clients poll the same few views, and every live list connection recomputes its
page after each batch of changes. Name-sorted pages are cheap (the store keeps names in
order), but sorts by age or a printer column still go through every match. Pages are
memoized per request (query, token, visible namespaces, stuck threshold) and the kind's
change count, so the first request after a change computes the page and the others reuse
it; the UI list, its live feed and the REST API share the memo. Any change to the kind
invalidates its pages at once; "stuck" flags depend on the clock as well, so a memoized
page is also dropped after a second.

The memo keys on the store's own write counter (``Store.version``), which the informer
bumps before it publishes a change: a page computed by anyone who has seen a change is
computed after it. (It used to count changes through an engine listener, which made the
memo's truth depend on listener order and the live feed's batch window.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

from dashboard.core.listing.query import Page, PageRequest, QueryError, list_page
from informers import Informer

MAX_PAGES = 256
_pages: dict[Hashable, Page | QueryError] = {}
_lock = threading.Lock()


def page(informer: Informer, request: PageRequest) -> Page:
    """``list_page``, memoized; raises QueryError like it does."""
    kind = informer.kind.key
    key = (kind, id(informer), request, informer.store.version, int(time.monotonic()))
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
