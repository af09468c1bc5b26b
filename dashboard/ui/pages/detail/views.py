"""The object page: header, conditions, owners, metadata, YAML and the timeline.

An object that is gone from the cache is rendered from its last history row, with a banner
saying it was deleted, so a page left open (or a shared link) keeps its evidence.
"""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from dashboard.core.listing.query import QueryError
from dashboard.core.web import links
from dashboard.core.web.liveurl import live_url
from dashboard.ui.pages.common import page, viewer
from dashboard.ui.pages.detail import commands, detailrender, objectview, relations, timeline
from dashboard.ui.pages.detail.located import Located, object_page
from dashboard.ui.pages.detail.timefilter import TimelineFilter
from informers import Engine


@object_page
def detail(request: HttpRequest, engine: Engine, found: Located) -> HttpResponse:
    who = viewer(request)
    kind, name = found.kind, found.name
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
        "ui/pages/detail/page.html",
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


@object_page
def older_timeline(request: HttpRequest, engine: Engine, found: Located) -> HttpResponse:
    """An older page of the timeline, for "Load older": its items and the next button.

    The same access check as the page (``locate``); a token this server did not issue
    for this object answers with a note in place of the button, never an error page.
    """
    kind, name = found.kind, found.name
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


@object_page
def yaml_text(request: HttpRequest, engine: Engine, found: Located) -> HttpResponse:
    """The YAML of an object too large to inline (``ObjectView.yaml_lazy``), on request.

    Over HTTP rather than the page's WebSocket, which cannot carry a message that big;
    the same access check as the page (``locate``).
    """
    view = objectview.build(engine, found.informer.kind, found.entry, deleted_at=found.deleted_at)
    return HttpResponse(render_to_string("ui/pages/detail/_yaml_text.html", {"view": view}))
