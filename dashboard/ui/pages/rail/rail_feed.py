"""The rail on every page: counts, worst state and sync progress per kind."""

from __future__ import annotations

from dashboard.core.auth.viewer import Viewer
from dashboard.ui.fragments import with_oob
from dashboard.ui.live.feed import Feed
from dashboard.ui.pages.rail import rail
from informers import Engine


class RailFeed(Feed):
    tick_every = 2.0

    def __init__(self, engine: Engine, viewer: Viewer, active: str | None) -> None:
        super().__init__(engine, viewer)
        self.active = active
        self._last: tuple[rail.RailGroup, ...] | None = None

    def full(self) -> list[str]:
        self._last = None
        return self.update()

    def update(self) -> list[str]:
        groups = rail.snapshot(self.engine, self.viewer)
        if groups == self._last:
            return []
        self._last = groups
        return [with_oob(rail.render(groups, self.active))]
