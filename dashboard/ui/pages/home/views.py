"""The health overview: a card per kind and the live "needs attention" table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dashboard.core.auth.viewer import Viewer
from dashboard.core.web.liveurl import live_url
from dashboard.ui.kinds import visible_informers
from dashboard.ui.pages.common import bad_request, engine_page, page, viewer
from dashboard.ui.pages.home import overview
from dashboard.ui.pages.home.overview_feed import attention_html, cards_html, empty_kinds_html
from dashboard.ui.pages.home.scope import BadScope, home_scope, with_scope
from informers import Engine


@engine_page
def home(request: HttpRequest, engine: Engine) -> HttpResponse:
    who = viewer(request)
    try:
        namespace = home_scope(dict(request.GET.lists()))
    except BadScope as exc:
        return bad_request(request, str(exc))
    cards = overview.cards(engine, who, namespace)
    attention = overview.attention(engine, who, namespace=namespace)
    return page(
        request,
        "ui/pages/home/page.html",
        {
            "cards_html": cards_html(cards),
            "empty_kinds_html": empty_kinds_html(cards),
            "attention_html": attention_html(
                attention, overview.partial_note(engine, who, namespace)
            ),
            "live_url": live_url("health", namespace=namespace),
            "kind_count": len(cards),
            "namespace": namespace or "",
            "namespaces": namespaces_of(engine, who, namespace),
            "warned_url": with_scope("/events/warned/", namespace),
        },
    )


def namespaces_of(engine: Engine, who: Viewer, chosen: str | None) -> list[str]:
    """The namespaces the scope picker offers: where the viewer may list some objects."""
    found: set[str] = set()
    for informer, allowed in visible_informers(engine, who):
        if informer.kind.namespaced:
            found.update(
                ns for ns in informer.store.namespaces() if allowed is None or ns in allowed
            )
    if chosen:
        found.add(chosen)
    return sorted(found)
