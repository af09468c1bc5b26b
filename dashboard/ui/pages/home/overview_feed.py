"""The home overview's live feed: kind cards and the "needs attention" rows.

Cards are compared by their rendered HTML (cheap: one per kind) and swapped one by one;
attention rows use the same keyed row diff as the list, so an object that turns Failed
slides in where "worst first" puts it and one that recovers fades out. A group row (many
objects of one kind and reason) is one keyed row whose version is its count, so a new
member updates the count in place. Kinds with no objects are not cards: they are chips in
a fold whose count and list are swapped on their own, so an open fold stays open.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from dashboard.core.auth.access import shows_namespace
from dashboard.core.auth.viewer import Viewer
from dashboard.core.web import links
from dashboard.ui import rowdiff
from dashboard.ui.fragments import cache, dom_id, in_template, join_safe, with_oob
from dashboard.ui.kinds import visible_informers
from dashboard.ui.live.feed import Feed
from dashboard.ui.pages.home import overview
from informers import Change, ChangeType, Engine, KindInfo


def card_id(card: overview.KindCard) -> str:
    return dom_id("card", card.kind.key)


def card_html(card: overview.KindCard) -> str:
    return cache.get(
        ("card", card),
        lambda: render_to_string(
            "ui/pages/home/_card.html", {"card": card, "card_id": card_id(card)}
        ),
    )


def cards_html(cards: Sequence[overview.KindCard]) -> SafeString:
    """The cards of kinds with objects (or still syncing, or unlistable), worst first."""
    shown = [card_html(c) for c in cards if not overview.is_empty(c)]
    return render_to_string("ui/pages/home/_cards.html", {"cards": shown, "any": bool(cards)})


def empty_count_html(cards: Sequence[overview.KindCard]) -> SafeString:
    n = sum(1 for c in cards if overview.is_empty(c))
    return format_html(
        '<span id="empty-kinds-count">{} kind{} with no objects</span>', n, "" if n == 1 else "s"
    )


def empty_list_html(cards: Sequence[overview.KindCard]) -> SafeString:
    chips = format_html_join(
        "",
        '<li><a class="chip" href="{}" title="{}">{}</a></li>',
        ((c.url, c.kind.group, c.kind.kind) for c in cards if overview.is_empty(c)),
    )
    return format_html('<ul id="empty-kinds-list" class="chips">{}</ul>', chips)


def empty_kinds_html(cards: Sequence[overview.KindCard]) -> SafeString:
    return render_to_string(
        "ui/pages/home/_empty_kinds.html",
        {"count_html": empty_count_html(cards), "list_html": empty_list_html(cards)},
    )


def row_id(row: overview.AttentionItem) -> str:
    if isinstance(row, overview.AttentionGroup):
        return dom_id("ag", row.kind.key, str(row.rank), row.reason)
    return dom_id("a", row.kind.key, row.entry.key)


def item_html(item: overview.AttentionItem, variant: str = "") -> str:
    if isinstance(item, overview.AttentionRow):
        return row_html(item, variant)
    key = ("attention-group", item.key, item.version, variant)
    return cache.get(
        key,
        lambda: render_to_string(
            "ui/pages/home/_attention_group.html",
            {
                "group": item,
                "row_id": row_id(item),
                "variant": variant,
                "kind_url": links.kind_url(item.kind),
            },
        ),
    )


def row_html(row: overview.AttentionRow, variant: str = "") -> str:
    key = ("attention", row.kind.key, row.entry.key, row.version, variant)
    return cache.get(
        key,
        lambda: render_to_string(
            "ui/pages/home/_attention_row.html",
            {
                "row": row,
                "row_id": row_id(row),
                "variant": variant,
                "kind_url": links.kind_url(row.kind),
            },
        ),
    )


def summary_html(total: int, shown: int, partial: str = "") -> str:
    return render_to_string(
        "ui/pages/home/_attention_summary.html",
        {"total": total, "shown": shown, "partial": partial},
    )


def attention_html(attention: overview.Attention, partial: str = "") -> SafeString:
    context = {
        "summary_html": summary_html(attention.total, attention.shown, partial),
        "rows_html": join_safe(item_html(r) for r in attention.items),
    }
    return render_to_string("ui/pages/home/_attention.html", context)


class OverviewFeed(Feed):
    def __init__(self, engine: Engine, viewer: Viewer, namespace: str | None = None) -> None:
        super().__init__(engine, viewer)
        #: the namespace the home page is scoped to (``?namespace=``), None for all
        self.namespace = namespace
        self._cards: dict[str, str] = {}
        self._order: list[str] = []
        self._empty: tuple[str, str] = ("", "")
        self._shown: list[tuple[str, str]] = []
        self._rows: dict[str, overview.AttentionItem] = {}
        self._summary = ""
        self._visible = self._visible_kinds()

    def _visible_kinds(self) -> dict[str, tuple[KindInfo, set[str] | None]]:
        """What the viewer may list, per kind key (read here, never on the engine thread)."""
        return {
            informer.kind.key: (informer.kind, allowed)
            for informer, allowed in visible_informers(self.engine, self.viewer, self.namespace)
        }

    def refresh_access(self) -> None:
        self._visible = self._visible_kinds()

    def predicate(self, change: Change) -> bool:
        # Only changes the viewer may see: a paused page shows how many it holds back,
        # and that number must not count the rest of the cluster.
        visible = self._visible.get(change.kind)
        if visible is None:
            return False
        kind, allowed = visible
        if not shows_namespace(allowed, kind, change.entry.namespace):
            return False
        # Counts and attention only move when an object appears, goes, or changes state.
        if change.type != ChangeType.MODIFIED or change.old is None or change.new is None:
            return True
        return change.old.status != change.new.status or change.old.since != change.new.since

    def full(self) -> list[str]:
        cards = overview.cards(self.engine, self.viewer, self.namespace)
        attention = overview.attention(self.engine, self.viewer, namespace=self.namespace)
        rows = attention.items
        self._cards = {card_id(c): card_html(c) for c in cards if not overview.is_empty(c)}
        self._order = [card_id(c) for c in cards if not overview.is_empty(c)]
        self._empty = (str(empty_count_html(cards)), str(empty_list_html(cards)))
        self._shown = [(r.key, r.version) for r in rows]
        self._rows = {r.key: r for r in rows}
        self._summary = summary_html(
            attention.total,
            attention.shown,
            overview.partial_note(self.engine, self.viewer, self.namespace),
        )
        body = "".join(item_html(r) for r in rows)
        return [
            with_oob(str(cards_html(cards))),
            *(with_oob(part) for part in self._empty),
            with_oob(self._summary),
            in_template(f'<tbody id="attention-rows" hx-swap-oob="true">{body}</tbody>'),
        ]

    def update(self) -> list[str]:
        return [*self._update_cards(), *self._update_attention()]

    def _update_cards(self) -> list[str]:
        cards = overview.cards(self.engine, self.viewer, self.namespace)
        out = self._update_empty(cards)
        shown = [c for c in cards if not overview.is_empty(c)]
        order = [card_id(c) for c in shown]
        if order != self._order:
            self._order = order
            self._cards = {card_id(c): card_html(c) for c in shown}
            return [*out, with_oob(str(cards_html(cards)))]
        for card in shown:
            html = card_html(card)
            if self._cards.get(card_id(card)) != html:
                self._cards[card_id(card)] = html
                out.append(with_oob(html))
        return out

    def _update_empty(self, cards: Sequence[overview.KindCard]) -> list[str]:
        """The fold's count and chips, each swapped only when it changed."""
        empty = (str(empty_count_html(cards)), str(empty_list_html(cards)))
        out = [with_oob(new) for old, new in zip(self._empty, empty, strict=True) if old != new]
        self._empty = empty
        return out

    def _update_attention(self) -> list[str]:
        attention = overview.attention(self.engine, self.viewer, namespace=self.namespace)
        rows = attention.items
        new = [(r.key, r.version) for r in rows]
        by_key = {r.key: r for r in rows}
        out = [in_template(self._render(op, by_key)) for op in rowdiff.plan(self._shown, new)]
        self._shown, self._rows = new, by_key
        summary = summary_html(
            attention.total,
            attention.shown,
            overview.partial_note(self.engine, self.viewer, self.namespace),
        )
        if summary != self._summary:
            self._summary = summary
            out.append(with_oob(summary))
        return out

    def _render(self, op: rowdiff.RowOp, rows: dict[str, overview.AttentionItem]) -> str:
        if op.op == "remove":
            gone = self._rows[op.key]
            return with_oob(item_html(gone, "leaving"), f"outerHTML:#{row_id(gone)}")
        if op.op == "move":
            return f'<tr id="{row_id(self._rows[op.key])}" hx-swap-oob="delete"></tr>'
        row = rows[op.key]
        if op.op == "replace":
            return with_oob(item_html(row, "flash"))
        where = (
            f"afterend:#{row_id(rows[op.after])}"
            if op.after is not None
            else "afterbegin:#attention-rows"
        )
        return f'<tbody hx-swap-oob="{where}">{item_html(row, "flash")}</tbody>'
