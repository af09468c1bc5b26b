"""What one watch stream may show: its kind, the namespaces allowed and requested, a selector.

Why separate from the stream: the same rule answers three questions (which cached objects
form the initial state, which hub changes the subscription takes, and whether a changed
object is still in view), and it runs on engine threads for every change, so it is kept
small, pure and cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.api.scope import KindScope
from dashboard.core.auth.access import namespace_filter
from informers import Change, Entry, Selector, Store


@dataclass(frozen=True)
class WatchFilter:
    kind_key: str
    namespaces: frozenset[str] | None  # None: every namespace
    selector: Selector | None

    @classmethod
    def build(
        cls, kind_scope: KindScope, *, namespace: str | None, selector: Selector | None
    ) -> WatchFilter:
        allowed, kind = kind_scope.namespaces, kind_scope.kind
        found = namespace_filter(allowed, kind, namespace)
        namespaces = frozenset(found) if found is not None else None
        return cls(kind.key, namespaces, selector)

    def shows(self, entry: Entry) -> bool:
        if self.namespaces is not None and entry.namespace not in self.namespaces:
            return False
        return self.selector is None or self.selector.matches(entry.labels)

    def accepts(self, change: Change) -> bool:
        """The hub predicate (engine thread): the change touches an object in view."""
        if change.kind != self.kind_key:
            return False
        return any(e is not None and self.shows(e) for e in (change.old, change.new))

    def current(self, store: Store) -> Iterable[Entry]:
        namespaces = sorted(self.namespaces) if self.namespaces is not None else None
        entries = store.list(namespaces=namespaces, selector=self.selector)
        return sorted((e for e in entries if self.shows(e)), key=lambda e: e.key)
