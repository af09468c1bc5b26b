"""A revision number in a page's URL (``?from=``, ``?to=``, ``?rev=``), checked once.

Why apart: the diff and restore pages both name revisions from the timeline, and a bad
value must read the same on both (a 400 naming the parameter, never a 500).
"""

from __future__ import annotations

from django.http import HttpRequest


class BadRevisionParam(ValueError):
    """The parameter is not a revision number this server could have written."""


def revision_id(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRevisionParam(
            f"{name}: expected a revision number from the timeline, got {raw[:40]!r}"
        )
    return int(raw)
