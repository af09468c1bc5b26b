"""The left rail: watched kinds grouped by API group, with count, worst state and sync.

Why a snapshot: the rail is on every page and refreshed over every page's WebSocket, so
its data is reduced to a hashable snapshot; an unchanged snapshot is not re-sent, and one
rendering is shared by every connection with the same visibility and active kind.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import groupby

from django.template.loader import render_to_string

from dashboard.core.auth.access import sync_progress
from dashboard.core.auth.viewer import Viewer
from dashboard.core.listing.counts import count_kind
from dashboard.core.web import links
from dashboard.ui.kinds import visible_informers
from informers import Engine, State


@dataclass(frozen=True)
class RailKind:
    key: str
    kind: str
    plural: str
    url: str
    count: int
    worst: State | None
    synced: bool
    loaded: int
    total: int | None
    #: why the dashboard cannot list this kind (past the grace period), else None
    unavailable: str | None = None


@dataclass(frozen=True)
class RailGroup:
    group: str
    kinds: tuple[RailKind, ...]


def snapshot(engine: Engine, viewer: Viewer) -> tuple[RailGroup, ...]:
    items = []
    for informer, allowed in visible_informers(engine, viewer):
        counts = count_kind(informer, allowed, stuck_after=None)
        progress = sync_progress(informer, allowed)
        failure = informer.unavailable
        items.append(
            (
                informer.kind.group,
                RailKind(
                    key=informer.kind.key,
                    kind=informer.kind.kind,
                    plural=informer.kind.plural,
                    url=links.kind_url(informer.kind),
                    count=counts.total,
                    worst=counts.worst,
                    synced=informer.synced,
                    loaded=progress.loaded,
                    total=progress.total,
                    unavailable=failure.reason if failure is not None else None,
                ),
            )
        )
    return tuple(
        RailGroup(group=group, kinds=tuple(k for _, k in members))
        for group, members in groupby(items, key=lambda pair: pair[0])
    )


_memo: dict[tuple[object, ...], str] = {}
_memo_lock = threading.Lock()


def render(groups: tuple[RailGroup, ...], active: str | None, problem: str | None = None) -> str:
    """The ``#rail-kinds`` element; memoized because every connection asks for it."""
    key = (groups, active, problem)
    with _memo_lock:
        found = _memo.get(key)
    if found is not None:
        return found
    html = render_to_string(
        "ui/pages/rail/_kinds.html", {"groups": groups, "active": active, "problem": problem}
    )
    with _memo_lock:
        if len(_memo) > 256:
            _memo.clear()
        _memo[key] = html
    return html
