"""Find the engine's informers for a request, filtered by what the viewer may see.

Why one module: every page and feed starts with "which kind, and may this viewer list
it?"; answering it in one place keeps 404s, 503s and authorization consistent.
"""

from __future__ import annotations

from django.http import Http404

from dashboard.core.auth.access import can_see_kind, shows_namespace, visible_namespaces
from dashboard.core.auth.viewer import Viewer
from dashboard.core.runtime.adapter import adapter
from informers import Engine, Informer


class EngineUnavailable(Exception):
    """The engine is not running: pages say why instead of pretending the cluster is empty."""


def current_engine() -> Engine:
    engine = adapter.engine
    if engine is None:
        raise EngineUnavailable(adapter.error or "the informer engine is not running")
    return engine


def kinds_known(engine: Engine) -> bool:
    """False while the CRD list has not synced yet: an unknown kind may just be early."""
    return engine.kinds_listed()


def informer_for(engine: Engine, group: str, plural: str, viewer: Viewer) -> Informer:
    """The informer behind ``/k/<group>/<plural>/``, or 404 (also when it is not visible)."""
    informer = engine.informer(f"{group}/{plural}")
    if informer is None or not can_see_kind(viewer, informer.kind):
        raise Http404(f"No watched kind {group}/{plural}.")
    return informer


def visible_informers(
    engine: Engine, viewer: Viewer, namespace: str | None = None
) -> list[tuple[Informer, set[str] | None]]:
    """Each visible informer with the namespaces the viewer may list (None = all).

    ``namespace`` narrows the answer to one namespace (the home page scoped to it): the
    namespaced kinds the viewer may list there, each with just that namespace.
    """
    result = []
    for informer in sorted(engine.informers(), key=lambda i: (i.kind.group, i.kind.kind)):
        allowed = visible_namespaces(viewer, informer.kind, "list")
        if namespace is not None:
            if not informer.kind.namespaced or not shows_namespace(
                allowed, informer.kind, namespace
            ):
                continue
            allowed = {namespace}
        if allowed is None or allowed:
            result.append((informer, allowed))
    return result
