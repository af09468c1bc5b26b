"""The object page's live feed: header, overview and YAML on each new resourceVersion, new
timeline entries (revisions, Events) as the history writer stores them, and the relations
tree when an owner or child appears, goes or changes state.

Why the relations are re-read on the timeline's tick rather than on changes: a child is
another object, often of another kind, and its arrival changes nothing about this one; the
tree costs one lookup per kind plus the children, and is pushed only when it differs.

Why the timeline polls the database briefly after a change: the page shows history rows,
and the writer batches them a fraction of a second after the change; the feed keeps
looking for a few seconds after each change or Event instead of guessing their content.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from dashboard.core.auth.access import can_see
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.query import QueryError
from dashboard.core.web import links
from dashboard.history.writer import decode
from dashboard.ui.fragments import with_oob
from dashboard.ui.live.feed import Feed, SpecError
from dashboard.ui.pages.detail import detailrender, objectview, relations, timeline
from dashboard.ui.pages.detail.timefilter import TimelineFilter
from informers import Change, Engine, Entry, KindInfo

FOLLOW_SECONDS = 5.0


class DetailFeed(Feed):
    def __init__(self, engine: Engine, viewer: Viewer, params: Mapping[str, Sequence[str]]):
        super().__init__(engine, viewer)
        self.kind_key = (list(params.get("kind") or [""]))[-1]
        self.namespace = (list(params.get("namespace") or [""]))[-1] or None
        self.name = (list(params.get("name") or [""]))[-1]
        informer = engine.informer(self.kind_key)
        # Unknown and not allowed close alike (4404): the code must not tell which exists.
        if informer is None or not self.name or not can_see(viewer, informer.kind, self.namespace):
            raise SpecError(f"no watched kind {self.kind_key!r}", 4404)
        self.kind: KindInfo = informer.kind
        try:
            # The page's narrowing (a full render folds as the page does); pushed rows are
            # never folded, since each arrives on its own.
            self.page_flt = TimelineFilter.from_params(params)
            self.flt = replace(self.page_flt, collapse=False)
        except QueryError as exc:
            raise SpecError(f"{exc.param}: {exc.message}", 4400) from exc
        self.allowed = True
        self.key = f"{self.namespace}/{self.name}" if self.namespace else self.name
        self._entry: Entry | None = None
        self._deleted = False
        self._max_rev = 0
        self._events: dict[str, str] = {}
        self.follow_until = 0.0
        self._timeline_checked = 0.0
        self._relations_html = ""

    def predicate(self, change: Change) -> bool:
        return change.kind == self.kind_key and change.key == self.key

    def refresh_access(self) -> None:
        self.allowed = can_see(self.viewer, self.kind, self.namespace)

    def note(self, changes: list[Change]) -> None:
        if any(self.predicate(c) for c in changes):
            self.poke()

    def poke(self) -> None:
        """Something happened to this object (a change or an Event): look for history."""
        self.follow_until = time.monotonic() + FOLLOW_SECONDS

    @property
    def uid(self) -> str:
        return self._entry.uid if self._entry is not None else ""

    def _current(self) -> Entry | None:
        informer = self.engine.informer(self.kind_key)
        return informer.store.get(self.key) if informer is not None else None

    def _absence_known(self) -> bool:
        """Whether an object missing from the cache is known to be gone: not while the
        kinds are being discovered or the kind is syncing (an engine started anew under
        an open page), when the page keeps what it shows rather than say "deleted"."""
        if not self.engine.kinds_listed():
            return False
        informer = self.engine.informer(self.kind_key)
        return informer is None or informer.synced

    def _view(self, entry: Entry, deleted_at: float | None) -> objectview.ObjectView:
        return objectview.build(self.engine, self.kind, entry, deleted_at=deleted_at)

    def _sections(self, view: objectview.ObjectView, variant: str) -> list[str]:
        return [
            with_oob(detailrender.header_html(view, variant)),
            with_oob(detailrender.overview_html(view)),
            with_oob(detailrender.yaml_html(view)),
        ]

    def full(self) -> list[str]:
        entry = self._current()
        deleted_at = None
        if entry is None and not self._absence_known():
            return []
        if entry is None:
            last = timeline.last_revision(self.kind_key, self.namespace, self.name)
            if last is None and self._entry is None:
                return []
            if last is not None:
                entry = objectview.entry_from_body(self.key, decode(last.body), last.observed)
                deleted_at = last.observed
            else:
                entry, deleted_at = self._entry, time.time()
        assert entry is not None
        self._entry, self._deleted = entry, deleted_at is not None
        view = self._view(entry, deleted_at)
        flt = self.page_flt
        newest = timeline.page(self.kind_key, self.namespace, self.name, uid=entry.uid, flt=flt)
        self._remember(newest.items)
        managers = timeline.managers(self.kind_key, self.namespace, self.name)
        html = detailrender.timeline_html(view, newest, flt, managers=managers)
        return [*self._sections(view, ""), with_oob(html), *self._relations(force=True)]

    def _relations(self, *, force: bool = False) -> list[str]:
        """The relations panel, when it differs from what the page shows (a deleted
        object's page keeps the panel it had: its relations are gone with it)."""
        informer = self.engine.informer(self.kind_key)
        if informer is None or self._entry is None or self._deleted:
            return []
        tree = relations.build(
            self.engine, who=self.viewer, informer=informer, entry=self._entry, now=time.time()
        )
        html = detailrender.relations_html(tree)
        if html == self._relations_html and not force:
            return []
        self._relations_html = html
        return [with_oob(html)]

    def _remember(self, items: Sequence[timeline.Item]) -> None:
        revs = [i.revision.id for i in items if i.revision is not None]
        self._max_rev = max(revs, default=0)
        self._events = {i.dom_id: i.version for i in items if i.event is not None}

    def update(self) -> list[str]:
        if not self.allowed:  # access revoked since the page opened: push nothing more
            return []
        out: list[str] = []
        entry = self._current()
        if entry is None and not self._absence_known():
            return []
        if self._entry is None:  # nothing sent yet (full() waited for the sync): send it all
            return self.full()
        if entry is None and self._entry is not None and not self._deleted:
            self._deleted = True
            self.poke()
            out += self._sections(self._view(self._entry, time.time()), "flash")
        elif entry is not None and (
            self._deleted
            or self._entry is None
            or entry.resource_version != self._entry.resource_version
            or entry.status != self._entry.status  # reloaded health rules, same version
        ):
            self._entry, self._deleted = entry, False
            self.poke()
            out += self._sections(self._view(entry, None), "flash")
        now = time.monotonic()
        if self._entry is not None and (
            self.followup() or now - self._timeline_checked >= self.tick_every
        ):
            self._timeline_checked = now
            out += self._timeline()
            out += self._relations()
        return out

    def _timeline(self) -> list[str]:
        assert self._entry is not None
        diff_url = links.diff_url(self.kind, self.namespace, self.name)
        newest = timeline.page(
            self.kind_key, self.namespace, self.name, uid=self._entry.uid, limit=50, flt=self.flt
        )
        items = newest.items
        fresh = [i for i in items if i.revision is not None and i.revision.id > self._max_rev]
        changed = [
            i for i in items if i.event is not None and self._events.get(i.dom_id) != i.version
        ]
        out = []
        for item in sorted([*fresh, *changed], key=lambda i: i.at):
            if item.event is not None:
                # Also when unknown here: "Load older" may have put it further down.
                out.append(f'<li id="{item.dom_id}" hx-swap-oob="delete"></li>')
                self._events[item.dom_id] = item.version
            else:
                revision = item.revision
                assert revision is not None
                # The page computed the revision recorded just before (shown or not).
                self._max_rev = max(self._max_rev, revision.id)
            html = detailrender.item_html(item, diff_url, variant="flash")
            out.append(f'<ol hx-swap-oob="afterbegin:#timeline-items">{html}</ol>')
        if fresh:
            out.append(with_oob(detailrender.total_html(newest.total)))
        return out

    def followup(self) -> bool:
        return time.monotonic() < self.follow_until
