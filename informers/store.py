"""A thread-safe store of one kind's objects with namespace, label, state and owner indexes.

Why this shape: the reflector thread writes while page renders, API calls and WebSocket
fan-out read. Entries are immutable once stored (an update stores a new Entry), so readers
take references under the lock and use them after it is released without copying.

Names are also kept in order: every list, in the UI and the API, opens sorted by name, and
at 50k objects sorting the store per request cost more than the rest of the request. Only
adds and deletes move a name (an update keeps it), so the order is cheap to maintain.
Other sorts (age, state, a printer column) are kept as orderings (:class:`Ordering`), built the
first time a reader asks for one and then maintained by every write like the indexes; the
least recently asked ones are dropped beyond ``MAX_ORDERINGS``, so memory follows the
sorts people actually use.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from informers.ordering import Ordering, SortKey
from informers.selector import Selector
from informers.status import State, Status, is_stuck

#: Sort orders kept per store at most. Each costs about 100 bytes per object and a bisect
#: per write; a kind sorted by many columns keeps the most recently used ones.
MAX_ORDERINGS = 6
#: An ordering asked for within this long is not dropped to make room for another.
ORDERING_IDLE_SECONDS = 60.0


def object_key(obj: Mapping[str, Any]) -> str:
    """``namespace/name`` for namespaced objects, ``name`` for cluster-scoped ones."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name')}" if ns else str(meta.get("name"))


def object_resource_version(obj: Mapping[str, Any]) -> str:
    """``metadata.resourceVersion``, or "" when the object has none (or no metadata)."""
    meta = obj.get("metadata")
    return str(meta.get("resourceVersion", "")) if isinstance(meta, Mapping) else ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One cached object with its reconcile status and since when it has had that state."""

    key: str
    obj: Mapping[str, Any]
    status: Status
    since: float

    @property
    def metadata(self) -> Mapping[str, Any]:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, Mapping) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns else None

    @property
    def uid(self) -> str:
        return str(self.metadata.get("uid", ""))

    @property
    def resource_version(self) -> str:
        return str(self.metadata.get("resourceVersion", ""))

    @property
    def labels(self) -> Mapping[str, str]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, Mapping) else {}

    @property
    def owner_uids(self) -> tuple[str, ...]:
        """The uids this object's ownerReferences name (malformed entries skipped)."""
        refs = self.metadata.get("ownerReferences")
        if not isinstance(refs, list):
            return ()
        found = (r.get("uid") for r in refs if isinstance(r, Mapping))
        return tuple(dict.fromkeys(str(uid) for uid in found if uid))

    def stuck(self, now: float, threshold: float) -> bool:
        return is_stuck(self.status.state, self.since, now, threshold)


class Store:
    """Objects by key, plus indexes kept consistent under one lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._items: dict[str, Entry] = {}
        self._by_namespace: dict[str, set[str]] = defaultdict(set)
        self._by_label: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._by_state: dict[State, set[str]] = defaultdict(set)
        self._by_name: list[tuple[str, str]] = []  # (name, key), sorted
        self._names_text: _NamesText | None = None  # built on a search, dropped on add/delete
        #: owner uid -> keys of the objects whose ownerReferences name it; and uid -> key.
        #: Why: an object's page shows its children across kinds, and scanning every
        #: object of every kind for each page would cost the whole cache.
        self._by_owner: dict[str, set[str]] = defaultdict(set)
        self._by_uid: dict[str, str] = {}
        #: the orderings readers asked for, least recently asked first
        self._orderings: dict[Hashable, Ordering] = {}
        self._asked: dict[Hashable, float] = {}  # when each ordering was last asked for
        self._version = 0

    @property
    def version(self) -> int:
        """Bumped by every write, under the write's lock, before the change is published.

        Why: a reader that memoizes something computed from the store (the dashboard's
        page memo) keys on it, so a page computed after a change was published can never
        be one computed before it; no listener, listener order or batch window involved.
        """
        return self._version

    # -- writes (reflector thread) ---------------------------------------------------------
    def put(self, entry: Entry) -> Entry | None:
        """Insert or replace; returns the previous entry."""
        with self._lock:
            old = self._items.get(entry.key)
            if old is not None:
                self._unindex(old)
            else:
                insort(self._by_name, (entry.name, entry.key))
                self._names_text = None
            self._items[entry.key] = entry
            self._index(entry)
            for ordering in self._orderings.values():
                ordering.discard(entry.key)
                ordering.add(entry)
            self._version += 1
            return old

    def swap(self, old: Entry, new: Entry) -> bool:
        """Replace ``old`` by ``new`` only if ``old`` is still the stored entry for its key
        (a re-evaluation must not overwrite a newer version the reflector stored)."""
        with self._lock:
            if self._items.get(old.key) is not old:
                return False
            self.put(new)
            return True

    def delete(self, key: str) -> Entry | None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._unindex(old)
                pair = (old.name, key)
                at = bisect_left(self._by_name, pair)
                if at < len(self._by_name) and self._by_name[at] == pair:
                    del self._by_name[at]
                    self._names_text = None
                for ordering in self._orderings.values():
                    ordering.discard(key)
                self._version += 1
            return old

    def replace(self, entries: Iterable[Entry]) -> dict[str, Entry]:
        """Swap in a whole new set (after a relist); returns the entries it dropped."""
        with self._lock:
            previous = self._items
            self._items = {}
            self._by_namespace.clear()
            self._by_label.clear()
            self._by_state.clear()
            self._by_owner.clear()
            self._by_uid.clear()
            for entry in entries:
                self._items[entry.key] = entry
                self._index(entry)
            self._by_name = sorted((e.name, e.key) for e in self._items.values())
            self._names_text = None
            self._orderings.clear()  # rebuilt on the next ask: a relist may change every key
            self._asked.clear()
            self._version += 1
            return {k: v for k, v in previous.items() if k not in self._items}

    def _index(self, entry: Entry) -> None:
        self._by_namespace[entry.namespace or ""].add(entry.key)
        for pair in entry.labels.items():
            self._by_label[pair].add(entry.key)
        self._by_state[entry.status.state].add(entry.key)
        for uid in entry.owner_uids:
            self._by_owner[uid].add(entry.key)
        if entry.uid:
            self._by_uid[entry.uid] = entry.key

    def _unindex(self, entry: Entry) -> None:
        _discard(self._by_namespace, entry.namespace or "", entry.key)
        for pair in entry.labels.items():
            _discard(self._by_label, pair, entry.key)
        _discard(self._by_state, entry.status.state, entry.key)
        for uid in entry.owner_uids:
            _discard(self._by_owner, uid, entry.key)
        if entry.uid and self._by_uid.get(entry.uid) == entry.key:
            del self._by_uid[entry.uid]

    # -- reads -----------------------------------------------------------------------------
    def get(self, key: str) -> Entry | None:
        with self._lock:
            return self._items.get(key)

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._items)

    def namespaces(self) -> list[str]:
        with self._lock:
            return sorted(ns for ns, keys in self._by_namespace.items() if keys and ns)

    def count_in(self, namespace: str) -> int:
        """How many objects ``namespace`` holds (0 for one never seen)."""
        with self._lock:
            return len(self._by_namespace.get(namespace, ()))

    def state_counts(self) -> dict[State, int]:
        with self._lock:
            return {state: len(keys) for state, keys in self._by_state.items() if keys}

    def children_of(self, owner_uid: str) -> list[Entry]:
        """The objects whose ownerReferences name ``owner_uid``, by key: O(children)."""
        with self._lock:
            keys = sorted(self._by_owner.get(owner_uid, ()))
            return [self._items[k] for k in keys]

    def by_uid(self, uid: str) -> Entry | None:
        with self._lock:
            key = self._by_uid.get(uid)
            return self._items.get(key) if key is not None else None

    def names_in_order(self) -> list[tuple[str, str]]:
        """Every (name, key) pair sorted by name, then key: a snapshot, safe to walk."""
        with self._lock:
            return list(self._by_name)

    def names_containing(self, needle: str) -> list[tuple[str, str]]:
        """The (name, key) pairs whose name contains ``needle``, in name order.

        Why not a scan of ``names_in_order()``: a name search looked at every name in
        Python (~20 ms of a request at 50k objects). Names move only when objects come
        and go, not when they change, so the names are kept as one text, rebuilt on the
        first search after an add or delete, and searched with ``str.find``.
        """
        with self._lock:
            text = self._names_text
            if text is None:
                text = self._names_text = _NamesText(list(self._by_name))
        return text.containing(needle)

    def ordered(self, name: Hashable, key: SortKey) -> list[tuple[Any, ...]] | None:
        """Every entry's ``key(entry)`` in ascending order: a snapshot, safe to walk.

        ``name`` identifies the order (say, a column and the path it reads): the first ask
        builds it, later asks with the same name reuse it as writes have kept it. ``key``
        must give a total order and end with the entry's key.

        None when ``MAX_ORDERINGS`` orders are kept and even the least recently asked one
        was asked within ``ORDERING_IDLE_SECONDS``: the caller sorts its matches itself.
        Why: a build runs under the lock the reflector writes under (~270 ms at 50k
        objects), so a client cycling through more sorts than are kept must not be able to
        make every request rebuild one.
        """
        with self._lock:
            now = self._clock()
            ordering = self._orderings.pop(name, None)
            if ordering is None:
                if len(self._orderings) >= MAX_ORDERINGS:
                    oldest = next(iter(self._orderings))
                    if now - self._asked[oldest] < ORDERING_IDLE_SECONDS:
                        return None
                    del self._orderings[oldest], self._asked[oldest]
                ordering = Ordering(key, self._items.values())
            self._orderings[name] = ordering  # now the most recently asked
            self._asked[name] = now
            return ordering.snapshot()

    def candidates(
        self,
        *,
        namespaces: Iterable[str] | None = None,
        selector: Selector | None = None,
        states: Iterable[State] | None = None,
    ) -> set[str] | None:
        """Keys the indexes allow (None: no indexed filter given, so every key).

        A selector's set-based terms are not indexed: callers still match it per entry.
        """
        with self._lock:
            return self._candidates(namespaces, selector, states)  # a new set

    def list(
        self,
        *,
        namespaces: Iterable[str] | None = None,
        selector: Selector | None = None,
        states: Iterable[State] | None = None,
        where: Callable[[Entry], bool] | None = None,
    ) -> list[Entry]:
        """Entries matching every given filter; indexes narrow the candidates first."""
        with self._lock:
            candidates = self._candidates(namespaces, selector, states)
            entries = (
                [self._items[k] for k in candidates]
                if candidates is not None
                else list(self._items.values())
            )
        if selector is not None and not selector.empty:
            entries = [e for e in entries if selector.matches(e.labels)]
        if where is not None:
            entries = [e for e in entries if where(e)]
        return entries

    def _candidates(
        self,
        namespaces: Iterable[str] | None,
        selector: Selector | None,
        states: Iterable[State] | None,
    ) -> set[str] | None:
        sets: list[set[str]] = []
        if namespaces is not None:
            sets.append(set().union(*(self._by_namespace.get(ns, set()) for ns in namespaces)))
        if states is not None:
            sets.append(set().union(*(self._by_state.get(s, set()) for s in states)))
        if selector is not None:
            sets.extend(self._by_label.get(pair, set()) for pair in selector.equalities().items())
        if not sets:
            return None
        sets.sort(key=len)
        result = set(sets[0])
        for other in sets[1:]:
            result &= other
        return result


def _discard(index: Mapping[Any, set[str]], value: Any, key: str) -> None:
    keys = index.get(value)
    if keys is not None:
        keys.discard(key)


class _NamesText:
    """Names in order as one newline-separated text, and where each starts (a snapshot)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.text = "\n".join(name for name, _ in pairs)
        self.starts = list(accumulate((len(name) + 1 for name, _ in pairs), initial=0))

    def containing(self, needle: str) -> list[tuple[str, str]]:
        if not needle:
            return list(self.pairs)
        if "\n" in needle:  # no name holds one
            return []
        found: list[tuple[str, str]] = []
        at = self.text.find(needle)
        while at >= 0:
            line = bisect_right(self.starts, at) - 1
            found.append(self.pairs[line])
            at = self.text.find(needle, self.starts[line + 1])  # at most once per name
        return found
