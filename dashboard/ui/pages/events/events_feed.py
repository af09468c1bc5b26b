"""The Events page's live feed: new and recurring Events slide in at the top.

Why it polls the history table: Events reach the page through the history writer (they
are shown from the database, kept past their TTL), which batches its writes; and another
replica's writer may have stored them. So the feed re-reads the page's own query (same
filters, same visibility cut, ``eventrows.page``) every ``tick_every`` seconds, sends
only rows that are new or changed (count, last seen) and removes rows that left the page.
Each look applies the viewer's access exactly as the page does (``visible_kinds``, re-read
on every access refresh of the socket, as other feeds do), so revoked access empties the
page within the authorization cache's TTL.

Only the newest page is live: an older page's rows are fixed by its token.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from dashboard.core.auth.viewer import Viewer
from dashboard.ui.fragments import in_template, with_oob
from dashboard.ui.live.feed import Feed, SpecError
from dashboard.ui.pages.events import eventrows, filters
from dashboard.ui.pages.events.views import row_html, summary_html
from informers import Engine

#: How often the feed looks for new rows (seconds): about the writer's batching delay.
LOOK_EVERY = 2.0
#: The least time between two looks, whatever asks (ticks, other feeds' change batches).
MIN_GAP = 1.0


class EventsFeed(Feed):
    tick_every = LOOK_EVERY

    def __init__(self, engine: Engine, viewer: Viewer, params: Mapping[str, Sequence[str]]):
        super().__init__(engine, viewer)
        chosen, error = filters.parse(params)
        if error is not None:
            raise SpecError(str(error))
        self.filters = chosen
        self._shown: dict[str, str] = {}  # row id -> version
        self._summary = ""
        self._looked = 0.0
        self._visible = eventrows.visible_kinds(engine, viewer, chosen.kind)

    def refresh_access(self) -> None:
        self._visible = eventrows.visible_kinds(self.engine, self.viewer, self.filters.kind)

    def full(self) -> list[str]:
        result = self._look()
        self._shown = {item.row_id: item.version for item in result.items}
        self._summary = summary_html(result, self.filters)
        body = "".join(row_html(item) for item in result.items)
        return [
            with_oob(self._summary),
            in_template(f'<tbody id="event-rows" hx-swap-oob="true">{body}</tbody>'),
        ]

    def update(self) -> list[str]:
        # Change batches of other feeds call this too: look at most every MIN_GAP.
        if time.monotonic() - self._looked < MIN_GAP:
            return []
        result = self._look()
        changed = [i for i in result.items if self._shown.get(i.row_id) != i.version]
        # Rows no longer on the newest page (access revoked, out of the window, pushed
        # past the page size) leave: the page shows what a reload would.
        now_shown = {i.row_id for i in result.items}
        gone = [row_id for row_id in self._shown if row_id not in now_shown]
        out = [in_template(f'<tr id="{row_id}" hx-swap-oob="delete"></tr>') for row_id in gone]
        for row_id in gone:
            del self._shown[row_id]
        for item in sorted(changed, key=lambda i: (i.row.last_seen, i.row.pk)):
            if item.row_id in self._shown:
                out.append(in_template(f'<tr id="{item.row_id}" hx-swap-oob="delete"></tr>'))
            self._shown[item.row_id] = item.version
            html = row_html(item, "flash")
            out.append(in_template(f'<tbody hx-swap-oob="afterbegin:#event-rows">{html}</tbody>'))
        summary = summary_html(result, self.filters)
        if summary != self._summary:
            self._summary = summary
            out.append(with_oob(summary))
        return out

    def _look(self) -> eventrows.EventsPage:
        self._looked = time.monotonic()
        return eventrows.page(self.engine, self.viewer, self.filters, visible=self._visible)
