"""The health overview: a card per kind and the live "needs attention" table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dashboard.core.web.liveurl import live_url
from dashboard.ui.kinds import EngineUnavailable, current_engine
from dashboard.ui.pages.common import page, unavailable, viewer
from dashboard.ui.pages.home import overview
from dashboard.ui.pages.home.overview_feed import attention_html, cards_html, empty_kinds_html


def home(request: HttpRequest) -> HttpResponse:
    try:
        engine = current_engine()
    except EngineUnavailable as exc:
        return unavailable(request, str(exc))
    who = viewer(request)
    cards = overview.cards(engine, who)
    attention = overview.attention(engine, who)
    return page(
        request,
        "ui/home.html",
        {
            "cards_html": cards_html(cards),
            "empty_kinds_html": empty_kinds_html(cards),
            "attention_html": attention_html(attention, overview.partial_note(engine, who)),
            "live_url": live_url("health"),
            "kind_count": len(cards),
        },
    )
