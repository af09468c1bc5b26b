"""Who is asking, and what they may see: the one authorization function every reader uses.

Why one place: the shared cache holds everything the service account can read; each page,
API call, stream and WebSocket push must be cut down to what the *user* may read. Callers
ask ``visible_namespaces(viewer, kind, verb)``: ``None`` means every namespace (or the
whole cluster-scoped kind), an empty set means nothing, otherwise the namespaces allowed.

Readers then apply that answer with ``namespace_filter`` (for ``Store.list``) or
``shows_namespace`` (for one object), never by hand: an empty set once read as "everything"
for cluster-scoped kinds, which kept a revoked user's live list streaming.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from dashboard.core.auth.rbac import reviewer
from dashboard.core.auth.viewer import Viewer
from dashboard.core.runtime.adapter import adapter
from informers import Informer, KindInfo, SyncProgress

ALL = None


def _candidates(kind: KindInfo) -> list[str]:
    engine = adapter.engine
    informer = engine.informer(kind.key) if engine is not None else None
    return informer.store.namespaces() if informer is not None else []


def visible_namespaces(
    viewer: Viewer, kind: KindInfo, verb: str = "list", *, also: Iterable[str] = ()
) -> set[str] | None:
    """Namespaces of ``kind`` the viewer may ``verb``; None = all of them.

    The namespaces checked are those holding objects of the kind now, and ``also``: a
    reader of history (Events about deleted objects) names the namespaces its rows are in.
    """
    if viewer.server:
        return ALL
    candidates = sorted({*_candidates(kind), *also})
    return reviewer.namespaces(viewer, kind, verb, candidates)


def namespace_filter(
    allowed: AbstractSet[str] | None, kind: KindInfo, requested: str | None = None
) -> list[str] | None:
    """The ``namespaces=`` argument for ``Store.list``: None reads everything, ``[]`` nothing.

    Empty means nothing for every scope. For a cluster-scoped kind a non-empty set (never
    produced by the reviewer) means the whole kind, as its objects have no namespace.
    ``requested`` is the one namespace a caller asked for (``?namespace=``): it is read
    when ``allowed`` shows it and is otherwise nothing, the same answer as "not there".
    Pages, feeds, watches and counts all cut with this one function.
    """
    if requested is not None:
        return [requested] if shows_namespace(allowed, kind, requested) else []
    if allowed is None:
        return None
    if not allowed:
        return []
    return sorted(allowed) if kind.namespaced else None


def shows_namespace(
    allowed: AbstractSet[str] | None, kind: KindInfo, namespace: str | None
) -> bool:
    """Whether an object of ``kind`` in ``namespace`` is within ``allowed`` (same rule)."""
    if allowed is None:
        return True
    if not allowed:
        return False
    return namespace in allowed if kind.namespaced else True


def sync_progress(informer: Informer, allowed: AbstractSet[str] | None) -> SyncProgress:
    """An informer's initial load as a viewer may see it ("syncing 2,000 of 5,000").

    Why: the load counts the whole kind in the cluster. A viewer who may see all of it gets
    those numbers; anyone else how many of their own objects have loaded, and no total
    (the list announces one for the whole kind only).
    """
    if allowed is None:
        return informer.sync_progress
    namespaces = namespace_filter(allowed, informer.kind)
    store = informer.store
    loaded = len(store) if namespaces is None else sum(store.count_in(ns) for ns in namespaces)
    return SyncProgress(loaded=loaded, total=loaded if informer.synced else None)


def can_see_kind(viewer: Viewer, kind: KindInfo) -> bool:
    allowed = visible_namespaces(viewer, kind)
    return allowed is None or bool(allowed)


def can_see(viewer: Viewer, kind: KindInfo, namespace: str | None, verb: str = "get") -> bool:
    if viewer.server:
        return True
    return reviewer.allowed(viewer, verb=verb, kind=kind, namespace=namespace or "")
