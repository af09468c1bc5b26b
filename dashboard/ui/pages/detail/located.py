"""Finding the object a page is about, once for every page about one object.

Why one module: the object page, its older timeline, its YAML, its diff and its restore
page all open the same way. The engine may be unavailable, the viewer may not see the
object (which must look exactly like an object that does not exist), the object may be
deleted and live on only in history, or the kind may still be syncing. Written out in
each view, those openings had begun to differ: only the object page said "still syncing"
where the others answered 404 for an object the cache had not reached yet.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from dashboard.core.auth.access import can_see, can_see_kind
from dashboard.core.auth.viewer import Viewer
from dashboard.core.web import links
from dashboard.core.web.liveurl import live_url
from dashboard.history.writer import decode
from dashboard.ui.kinds import informer_for, kinds_known
from dashboard.ui.pages.common import engine_page, unavailable, viewer
from dashboard.ui.pages.detail import objectview, timeline
from informers import Engine, Entry, Informer, KindInfo


@dataclass(frozen=True)
class Located:
    informer: Informer
    namespace: str | None
    name: str
    entry: Entry
    deleted_at: float | None

    @property
    def kind(self) -> KindInfo:
        return self.informer.kind


def object_frame(kind: KindInfo, namespace: str | None, name: str) -> dict[str, Any]:
    """What every page about one object (its diff, its restore) shows around itself: the
    breadcrumb's links, the rail's active kind, and the frame's live socket."""
    return {
        "kind": kind,
        "name": name,
        "namespace": namespace,
        "active_kind": kind.key,
        "kind_url": links.kind_url(kind),
        "object_url": links.object_url(kind, namespace, name),
        "live_url": live_url("frame"),
    }


def cluster_scope(namespace: str) -> str | None:
    return None if namespace == "-" else namespace


def locate(
    engine: Engine, who: Viewer, group: str, plural: str, namespace: str, name: str
) -> Located:
    """The live entry, or the last recorded state of a deleted object; 404 otherwise,
    also while the kind has not synced (an object not cached yet may well exist)."""
    informer = informer_for(engine, group, plural, who)
    ns = cluster_scope(namespace)
    if informer.kind.namespaced != (ns is not None) or not can_see(who, informer.kind, ns):
        raise Http404(f"No {informer.kind.kind} {namespace}/{name}.")
    key = f"{ns}/{name}" if ns else name
    entry = informer.store.get(key)
    if entry is not None:
        return Located(informer, ns, name, entry, None)
    if not informer.synced:
        # Not cached yet is not gone: its last row would show a live object as deleted
        # (and offer to re-create it). ``object_page`` answers "still syncing".
        raise Http404(f"No {informer.kind.kind} {namespace}/{name} cached yet.")
    last = timeline.last_revision(informer.kind.key, ns, name)
    if last is None:
        where = f" in namespace {ns}" if ns else ""
        raise Http404(f"No {informer.kind.kind} named {name}{where}.")
    body = decode(last.body)
    return Located(
        informer,
        ns,
        name,
        objectview.entry_from_body(key, body, last.observed),
        deleted_at=last.observed,
    )


ObjectPage = Callable[[HttpRequest, Engine, Located], HttpResponse]
RoutedPage = Callable[[HttpRequest, str, str, str, str], HttpResponse]


def object_page(view: ObjectPage) -> RoutedPage:
    """Route a view about one object: it is called with the engine and the located object.

    Answers for it when there is nothing to show yet: 503 while the engine is unavailable,
    the kinds are still being discovered, or the kind is still syncing or cannot be listed
    (only to a viewer who may see the kind: to anyone else it does not exist); 404 when
    the object is not there for this viewer.
    """

    @engine_page
    @functools.wraps(view)
    def routed(
        request: HttpRequest, engine: Engine, group: str, plural: str, namespace: str, name: str
    ) -> HttpResponse:
        who = viewer(request)
        try:
            found = locate(engine, who, group, plural, namespace, name)
        except Http404:
            if not kinds_known(engine):
                return unavailable(request, "Still discovering the cluster's kinds; retrying.")
            informer = engine.informer(f"{group}/{plural}")
            if informer is not None and not informer.synced and can_see_kind(who, informer.kind):
                failure = informer.unavailable
                if failure is not None:  # not "syncing" forever: say why, as the list does
                    return unavailable(
                        request,
                        f"The dashboard cannot list {informer.kind.kind} ({failure.reason}); "
                        "retrying.",
                    )
                return unavailable(request, f"{informer.kind.kind} is still syncing; retrying.")
            raise
        return view(request, engine, found)

    return routed
