"""The object page: header, conditions, owners, metadata, YAML and the timeline.

An object that is gone from the cache is rendered from its last history row, with a banner
saying it was deleted, so a page left open (or a shared link) keeps its evidence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from dashboard.core.auth.access import Viewer, can_see, can_see_kind
from dashboard.core.listing.query import QueryError
from dashboard.core.web import links
from dashboard.core.web.liveurl import live_url
from dashboard.history.writer import decode
from dashboard.ui.kinds import EngineUnavailable, current_engine, informer_for, kinds_known
from dashboard.ui.pages.common import page, unavailable, viewer
from dashboard.ui.pages.detail import commands, detailrender, objectview, relations, timeline
from dashboard.ui.pages.detail.timefilter import TimelineFilter
from informers import Engine, Entry, Informer, KindInfo


@dataclass(frozen=True)
class Located:
    informer: Informer
    namespace: str | None
    name: str
    entry: Entry
    deleted_at: float | None


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
    """The live entry, or the last recorded state of a deleted object; 404 otherwise."""
    informer = informer_for(group, plural, who)
    ns = cluster_scope(namespace)
    if informer.kind.namespaced != (ns is not None) or not can_see(who, informer.kind, ns):
        raise Http404(f"No {informer.kind.kind} {namespace}/{name}.")
    key = f"{ns}/{name}" if ns else name
    entry = informer.store.get(key)
    if entry is not None:
        return Located(informer, ns, name, entry, None)
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


def detail(
    request: HttpRequest, group: str, plural: str, namespace: str, name: str
) -> HttpResponse:
    try:
        engine = current_engine()
    except EngineUnavailable as exc:
        return unavailable(request, str(exc))
    who = viewer(request)
    try:
        found = locate(engine, who, group, plural, namespace, name)
    except Http404:
        if not kinds_known(engine):
            return unavailable(request, "Still discovering the cluster's kinds; retrying.")
        informer = engine.informer(f"{group}/{plural}")
        # Only to those who may see the kind: to anyone else it does not exist.
        if informer is not None and not informer.synced and can_see_kind(who, informer.kind):
            return unavailable(request, f"{informer.kind.kind} is still syncing; retrying.")
        raise
    kind = found.informer.kind
    view = objectview.build(engine, kind, found.entry, deleted_at=found.deleted_at)
    error = ""
    try:
        flt = TimelineFilter.from_params(dict(request.GET.lists()))
    except QueryError as exc:
        flt, error = TimelineFilter(), f"{exc.param}: {exc.message}"
    newest = timeline.page(kind.key, found.namespace, name, uid=found.entry.uid, flt=flt)
    live = found.deleted_at is None
    offered = (
        commands.for_object(
            kind, namespace=found.namespace, name=name, reconcile=found.informer.rules.reconcile
        )
        if live
        else []
    )
    tree = (
        relations.build(
            engine, who=who, informer=found.informer, entry=found.entry, now=time.time()
        )
        if live
        else None
    )
    return page(
        request,
        "ui/detail.html",
        {
            "view": view,
            "active_kind": kind.key,
            "kind_url": links.kind_url(kind),
            "header_html": detailrender.header_html(view),
            "overview_html": detailrender.overview_html(view),
            "commands_html": detailrender.commands_html(offered),
            "relations_html": detailrender.relations_html(tree),
            "yaml_html": detailrender.yaml_html(view),
            "timeline_html": detailrender.timeline_html(
                view,
                newest,
                flt,
                managers=timeline.managers(kind.key, found.namespace, name),
            ),
            "timeline_error": error,
            "live_url": live_url(
                "detail", kind=kind.key, namespace=found.namespace, name=name, **flt.params()
            ),
        },
        status=400 if error else 200,
    )


def older_timeline(
    request: HttpRequest, group: str, plural: str, namespace: str, name: str
) -> HttpResponse:
    """An older page of the timeline, for "Load older": its items and the next button.

    The same access check as the page (``locate``); a token this server did not issue
    for this object answers with a note in place of the button, never an error page.
    """
    try:
        engine = current_engine()
    except EngineUnavailable as exc:
        return unavailable(request, str(exc))
    found = locate(engine, viewer(request), group, plural, namespace, name)
    kind = found.informer.kind
    try:
        flt = TimelineFilter.from_params(dict(request.GET.lists()))
        older = timeline.page(
            kind.key,
            found.namespace,
            name,
            uid=found.entry.uid,
            token=request.GET.get("continue") or None,
            flt=flt,
        )
    except QueryError:
        return HttpResponse(
            '<li class="tl-more muted small">That page of the timeline has expired; '
            "reload the page to read older entries.</li>"
        )
    html = detailrender.older_html(
        older,
        diff_url=links.diff_url(kind, found.namespace, name),
        timeline_url=links.timeline_url(kind, found.namespace, name),
        flt=flt,
    )
    return HttpResponse(html)


def yaml_text(
    request: HttpRequest, group: str, plural: str, namespace: str, name: str
) -> HttpResponse:
    """The YAML of an object too large to inline (``ObjectView.yaml_lazy``), on request.

    Over HTTP rather than the page's WebSocket, which cannot carry a message that big;
    the same access check as the page (``locate``).
    """
    try:
        engine = current_engine()
    except EngineUnavailable as exc:
        return unavailable(request, str(exc))
    found = locate(engine, viewer(request), group, plural, namespace, name)
    view = objectview.build(engine, found.informer.kind, found.entry, deleted_at=found.deleted_at)
    return HttpResponse(render_to_string("ui/detail/_yaml_text.html", {"view": view}))
