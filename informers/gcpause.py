"""Pause the cyclic garbage collector around bulk loads.

Why: an initial list creates hundreds of thousands of dicts that the cyclic GC scans
again and again while they are being built, and finds nothing to free (JSON has no
cycles). Measured: ~60 % of a 50k-object load. Pausing it for the load and freezing the
survivors afterwards (so later collections skip them) removes that cost.

After a load, full collections are also made rarer (``OLD_THRESHOLD``). Watch events
replace cached objects with new, unfrozen trees, so the old generation grows back to the
whole cache, and CPython collects it in full each time a quarter as much again has
survived, holding the GIL throughout: replaying 20k recorded events over 50k objects,
those full collections took about 0.8 s of a 3.2-4.7 s replay (~200 ms each: a stall for
every request and socket). The trees are JSON, acyclic, freed by reference counting:
scanning them finds nothing. Young cycles are still collected as often; old ones wait
for a full collection after ``OLD_THRESHOLD`` middle-generation collections, not ten.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: gen1 collections between full collections at least (CPython's default is 10); with the
#: default thresholds that is one full collection per ~700k net allocations at most.
OLD_THRESHOLD = 100

_lock = threading.Lock()
_depth = 0
_state: dict[str, bool] = {}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Nestable and shared between threads: the GC resumes when the last load ends."""
    global _depth
    with _lock:
        if _depth == 0:
            was_enabled = gc.isenabled()
            _state["enabled"] = was_enabled
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.freeze()
                young, middle, old = gc.get_threshold()
                gc.set_threshold(young, middle, max(old, OLD_THRESHOLD))
                if _state.get("enabled", True):
                    gc.enable()
