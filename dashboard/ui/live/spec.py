"""Turn a live socket's query string into the feeds that serve it.

``?view=health[&namespace=<ns>]`` | ``?view=list&kind=<group/plural>&<list filters>`` |
``?view=detail&kind=<group/plural>&namespace=<ns>&name=<name>`` | ``?view=events&<Events
filters>`` | ``?view=frame`` (the rail only). Every page also gets the rail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dashboard.core.auth.viewer import Viewer
from dashboard.ui.live.feed import Feed, SpecError
from dashboard.ui.pages.detail.detail_feed import DetailFeed
from dashboard.ui.pages.events.events_feed import EventsFeed
from dashboard.ui.pages.home.overview_feed import OverviewFeed
from dashboard.ui.pages.home.scope import BadScope, home_scope
from dashboard.ui.pages.listing.list_feed import ListFeed
from dashboard.ui.pages.rail.rail_feed import RailFeed
from informers import Engine


def build_feeds(engine: Engine, viewer: Viewer, params: Mapping[str, Sequence[str]]) -> list[Feed]:
    view = (list(params.get("view") or ["frame"]))[-1]
    active = (list(params.get("kind") or [""]))[-1] or None
    feeds: list[Feed] = [RailFeed(engine, viewer, active)]
    if view == "health":
        try:
            scope = home_scope(params)
        except BadScope as exc:
            raise SpecError(str(exc)) from None
        feeds.append(OverviewFeed(engine, viewer, scope))
    elif view == "list":
        feeds.append(ListFeed(engine, viewer, params))
    elif view == "detail":
        feeds.append(DetailFeed(engine, viewer, params))
    elif view == "events":
        feeds.append(EventsFeed(engine, viewer, params))
    elif view != "frame":
        raise SpecError(f"unknown view {view[:40]!r}")
    return feeds
