"""Global search: object names across every kind the viewer may see."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from dashboard.core.auth.access import namespace_filter
from dashboard.core.web import links
from dashboard.core.web.liveurl import live_url
from dashboard.ui.kinds import visible_informers
from dashboard.ui.pages.common import engine_page, page, viewer
from informers import Engine

PER_KIND = 25


@engine_page
def search(request: HttpRequest, engine: Engine) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:253]
    groups = []
    total = 0
    if text:
        needle = text.lower()
        for informer, allowed in visible_informers(engine, viewer(request)):
            found = informer.store.list(
                namespaces=namespace_filter(allowed, informer.kind),
                where=lambda e: needle in e.name.lower(),
            )
            if not found:
                continue
            found.sort(key=lambda e: (e.name != text, e.name, e.namespace or ""))
            total += len(found)
            groups.append(
                {
                    "kind": informer.kind,
                    "count": len(found),
                    "more_url": f"{links.kind_url(informer.kind)}?{urlencode({'search': text})}",
                    "hits": [
                        {"entry": e, "url": links.object_url(informer.kind, e.namespace, e.name)}
                        for e in found[:PER_KIND]
                    ],
                }
            )
    return page(
        request,
        "ui/pages/search/page.html",
        {"search_query": text, "groups": groups, "total": total, "live_url": live_url("frame")},
    )
