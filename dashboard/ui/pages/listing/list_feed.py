"""The kind list's live feed: recompute this page, then move, replace, insert or drop rows.

Rows that merely changed are swapped in place; rows the sort now puts elsewhere are
removed and inserted after their new neighbour; deleted rows get a "leaving" copy that
the browser fades out. Row HTML comes from the shared fragment cache, so ten viewers of
one change cost one render.

Why the row operations are shared too: viewers of one page hear the same changes and
flush together, so their browsers usually show the same rows at the same versions. The
operations are a function of what a browser shows and of the new page alone, so they are
kept per (kind, columns, shown, new): in the 49-viewer benchmark, planning and wrapping
rows once per viewer was most of each flush, and fifty flushes queued behind each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dashboard.core.auth.access import can_see_kind, shows_namespace, visible_namespaces
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.query import Page, QueryError, Row
from dashboard.core.lru import Lru
from dashboard.ui import rowdiff
from dashboard.ui.fragments import in_template, with_oob
from dashboard.ui.live import framing
from dashboard.ui.live.feed import Feed, SpecError
from dashboard.ui.pages.listing import listing
from informers import Change, Engine, Entry, Informer, KindInfo, PrinterColumn

ROWS_PIECE_BYTES = 256 * 1024

Shown = tuple[tuple[str, str], ...]  # (key, row version) in display order

_OPS: Lru[tuple[str, ...]] = Lru(256)


def row_ops(
    kind: KindInfo,
    columns: tuple[PrinterColumn, ...],
    shown: Shown,
    new: Shown,
    rows: Mapping[str, Row],
    before: Mapping[str, Row],
) -> tuple[str, ...]:
    """The OOB pieces that turn a browser showing ``shown`` into one showing ``new``:
    ``rows`` are the new page's rows by key, ``before`` the rows ``shown`` was made of
    (a removed row leaves with its last content). Kept for every viewer in that state."""
    return _OPS.get(
        (kind.key, columns, shown, new),
        lambda: tuple(
            in_template(_op_html(kind, columns, op, rows, before))
            for op in rowdiff.plan(shown, new)
        ),
    )


def _op_html(
    kind: KindInfo,
    columns: tuple[PrinterColumn, ...],
    op: rowdiff.RowOp,
    rows: Mapping[str, Row],
    before: Mapping[str, Row],
) -> str:
    target = listing.row_id(kind, op.key)
    if op.op == "remove":
        return with_oob(
            listing.row_html(kind, before[op.key], "leaving", columns), f"outerHTML:#{target}"
        )
    if op.op == "move":
        return f'<tr id="{target}" hx-swap-oob="delete"></tr>'
    html = listing.row_html(kind, rows[op.key], "flash", columns)
    if op.op == "replace":
        return with_oob(html)
    where = (
        f"afterend:#{listing.row_id(kind, op.after)}"
        if op.after is not None
        else "afterbegin:#rows"
    )
    return f'<tbody hx-swap-oob="{where}">{html}</tbody>'


class ListFeed(Feed):
    def __init__(self, engine: Engine, viewer: Viewer, params: Mapping[str, Sequence[str]]):
        super().__init__(engine, viewer)
        self.kind_key = (list(params.get("kind") or [""]))[-1]
        informer = engine.informer(self.kind_key)
        if informer is None or not can_see_kind(viewer, informer.kind):
            raise SpecError(f"no watched kind {self.kind_key!r}", 4404)
        self.kind = informer.kind
        self.query, _ = listing.parse(params, informer.kind)
        self.columns, _ = listing.columns_from(params, informer.kind)
        self.pager = listing.pager_from(params)
        self.notice = ""
        self.allowed = visible_namespaces(viewer, informer.kind, "list")
        self._shown: Shown = ()
        self._rows: dict[str, Row] = {}
        self._summary = ""
        self._pager_html = ""

    # -- filtering on the engine thread ----------------------------------------------------
    def predicate(self, change: Change) -> bool:
        if change.kind != self.kind_key:
            return False
        return self._matches(change.old) or self._matches(change.new)

    def _matches(self, entry: Entry | None) -> bool:
        if entry is None:
            return False
        return shows_namespace(self.allowed, self.kind, entry.namespace) and self.query.shows(entry)

    def refresh_access(self) -> None:
        self.allowed = visible_namespaces(self.viewer, self.kind, "list")

    # -- rendering in a worker thread ------------------------------------------------------
    def _informer(self) -> Informer | None:
        return self.engine.informer(self.kind_key)

    def _page(self, informer: Informer) -> Page:
        stuck_after = self.engine.settings.stuck_threshold(self.kind_key)
        try:
            return listing.page_for(
                informer,
                self.query,
                token=self.pager.token,
                allowed=self.allowed,
                stuck_after=stuck_after,
            )
        except QueryError:
            # A continue token from before a restart (another signing key): page one.
            self.pager = listing.Pager(params=self.pager.params, token=None)
            self.notice = "that page link expired; showing the first page"
            return listing.page_for(
                informer, self.query, token=None, allowed=self.allowed, stuck_after=stuck_after
            )

    def _frame(self, informer: Informer, page: Page, *, force: bool) -> list[str]:
        out = []
        summary = listing.summary_html(
            informer,
            page,
            self.pager,
            limit=self.query.limit,
            allowed=self.allowed,
            notice=self.notice,
        )
        if force or summary != self._summary:
            self._summary = summary
            out.append(with_oob(summary))
        pager = listing.pager_html(page, self.pager)
        if force or pager != self._pager_html:
            self._pager_html = pager
            out.append(with_oob(pager))
        return out

    def _remember(self, page: Page) -> None:
        self._shown = tuple((r.entry.key, listing.row_version(r)) for r in page.rows)
        self._rows = {r.entry.key: r for r in page.rows}

    def full(self) -> list[str]:
        informer = self._informer()
        if informer is None:
            return []
        page = self._page(informer)
        self._remember(page)
        return [*self._row_chunks(page.rows), *self._frame(informer, page, force=True)]

    def _row_chunks(self, rows: Sequence[Row]) -> list[str]:
        """The whole table body as pieces of at most ROWS_PIECE_BYTES: the first replaces
        ``#rows``, the others append to it, so a page of wide rows (10 KB printer cells)
        never becomes one fragment too large for a WebSocket message."""
        chunks: list[list[str]] = [[]]
        used = 0
        for row in rows:
            html = listing.row_html(self.kind, row, columns=self.columns)
            n = framing.size(html)
            if used + n > ROWS_PIECE_BYTES and chunks[-1]:
                chunks.append([])
                used = 0
            chunks[-1].append(html)
            used += n
        first, *rest = ("".join(chunk) for chunk in chunks)
        return [
            in_template(f'<tbody id="rows" hx-swap-oob="true">{first}</tbody>'),
            *(in_template(f'<tbody hx-swap-oob="beforeend:#rows">{more}</tbody>') for more in rest),
        ]

    def update(self) -> list[str]:
        informer = self._informer()
        if informer is None:
            return []
        page = self._page(informer)
        new = tuple((r.entry.key, listing.row_version(r)) for r in page.rows)
        rows = {r.entry.key: r for r in page.rows}
        out = row_ops(self.kind, self.columns, self._shown, new, rows, self._rows)
        self._shown, self._rows = new, rows
        return [*out, *self._frame(informer, page, force=False)]
