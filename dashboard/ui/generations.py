"""A per-kind change counter, bumped by an engine change listener.

Why: several connections watching the same list recompute the same page after the same
change. Keying a small memo on (query, this counter) lets the first one compute it and the
others reuse it, while any new change in the kind invalidates it.
"""

from __future__ import annotations

import threading
from collections import defaultdict

from informers import Change

_counts: defaultdict[str, int] = defaultdict(int)
_lock = threading.Lock()


def bump(change: Change) -> None:
    with _lock:
        _counts[change.kind] += 1


def of(kind_key: str) -> int:
    return _counts.get(kind_key, 0)
