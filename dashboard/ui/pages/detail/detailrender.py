"""HTML for the detail page's sections, shared by the page view and its live feed.

Why one module: the feed swaps ``#obj-header``, ``#obj-overview``, ``#obj-yaml`` and
timeline items by id, so the page and the pushes must come from the same templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string

from dashboard.ui.fragments import cache, join_safe, with_oob
from dashboard.ui.pages.detail import timeline
from dashboard.ui.pages.detail.commands import Command
from dashboard.ui.pages.detail.objectview import ObjectView
from dashboard.ui.pages.detail.relations import Relations
from dashboard.ui.pages.detail.timefilter import PARTS, WINDOWS, TimelineFilter


def header_html(view: ObjectView, variant: str = "") -> str:
    return render_to_string("ui/pages/detail/_header.html", {"view": view, "variant": variant})


def overview_html(view: ObjectView) -> str:
    return render_to_string("ui/pages/detail/_overview.html", {"view": view})


def commands_html(commands: Sequence[Command]) -> str:
    """The kubectl panel; empty for a deleted object (there is nothing left to run on)."""
    if not commands:
        return ""
    return render_to_string("ui/pages/detail/_commands.html", {"commands": commands})


def relations_html(tree: Relations | None) -> str:
    """The relations panel; empty for a deleted object (its children are gone or orphaned)."""
    if tree is None:
        return ""
    return render_to_string("ui/pages/detail/_relations.html", {"relations": tree})


def yaml_html(view: ObjectView) -> str:
    return render_to_string("ui/pages/detail/_yaml.html", {"view": view})


def item_html(
    item: timeline.Item,
    diff_url: str,
    *,
    pick_from: int | None = None,
    pick_to: int | None = None,
    variant: str = "",
) -> str:
    rev_id = item.revision.id if item.revision is not None else None
    key = (
        "tl",
        item.dom_id,
        item.version,
        diff_url,
        rev_id is not None and rev_id == pick_from,
        rev_id is not None and rev_id == pick_to,
        item.previous_id,
        variant,
    )
    return cache.get(
        key,
        lambda: render_to_string(
            "ui/pages/detail/_item.html",
            {
                "item": item,
                "diff_url": diff_url,
                # the object's pages are siblings: .../<name>/diff/ and .../<name>/restore/
                "restore_url": diff_url.removesuffix("diff/") + "restore/",
                "pick_from": pick_from,
                "pick_to": pick_to,
                "variant": variant,
            },
        ),
    )


def default_picks(items: Sequence[timeline.Item]) -> tuple[int | None, int | None]:
    """Preselect the newest revision as "to" and the one before it as "from"."""
    revs = [i.revision.id for i in items if i.revision is not None]
    return (revs[1] if len(revs) > 1 else None), (revs[0] if revs else None)


def total_html(total: int) -> str:
    """The timeline's revision count (the live feed swaps it as revisions arrive)."""
    return render_to_string("ui/pages/detail/_total.html", {"total": total})


def _more_context(
    timeline_url: str, tl: timeline.TimelinePage, flt: TimelineFilter | None = None
) -> dict[str, Any]:
    url = None
    if tl.continue_token:
        query = {**(flt.params() if flt else {}), "continue": tl.continue_token}
        url = f"{timeline_url}?{urlencode(query)}"
    return {
        "continue_url": url,
        "older": tl.older,
        "has_revisions": any(i.revision is not None for i in tl.items),
    }


def timeline_html(
    view: ObjectView,
    tl: timeline.TimelinePage,
    flt: TimelineFilter | None = None,
    *,
    managers: Sequence[str] = (),
) -> str:
    flt = flt or TimelineFilter()
    pick_from, pick_to = default_picks(tl.items)
    body = join_safe(
        item_html(i, view.diff_url, pick_from=pick_from, pick_to=pick_to) for i in tl.items
    )
    return render_to_string(
        "ui/pages/detail/_timeline.html",
        {
            "view": view,
            "items_html": body,
            "total": tl.total,
            "flt": flt,
            "windows": WINDOWS,
            "parts": PARTS,
            "managers": sorted({*managers, flt.manager} - {""}),
            **_more_context(view.timeline_url, tl, flt),
        },
    )


def older_html(
    tl: timeline.TimelinePage,
    *,
    diff_url: str,
    timeline_url: str,
    flt: TimelineFilter | None = None,
) -> str:
    """An older page, to replace the "Load older" item it was asked from, and the count."""
    items = join_safe(item_html(i, diff_url) for i in tl.items)
    more = render_to_string("ui/pages/detail/_more.html", _more_context(timeline_url, tl, flt))
    return f"{items}{more}{with_oob(total_html(tl.total))}"
