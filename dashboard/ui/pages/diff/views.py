"""The diff between two revisions picked on the timeline: path, old, new.

Noise (resourceVersion, managedFields, heartbeat timestamps...) is hidden unless asked
for, and the page says how much was hidden. A unified YAML view is one click away.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse

from dashboard.history.models import Revision
from dashboard.history.writer import decode
from dashboard.ui.pages.common import page
from dashboard.ui.pages.detail.located import Located, object_frame, object_page
from dashboard.ui.pages.diff import diffview
from dashboard.ui.pages.revisionparam import BadRevisionParam, revision_id
from informers import Engine


def _pick(
    kind_key: str, namespace: str | None, name: str, from_id: int | None, to_id: int | None
) -> tuple[Revision, Revision]:
    revisions = Revision.objects.filter(kind=kind_key, namespace=namespace or "", name=name)
    if to_id is None:
        newest = revisions.order_by("-id").first()
        if newest is None:
            raise Http404("This object has no recorded revisions yet.")
        to_id = newest.id
    to_rev = revisions.filter(id=to_id).first()
    if to_rev is None:
        raise Http404(f"Revision {to_id} does not belong to {name}.")
    if from_id is None:
        from_rev = revisions.filter(id__lt=to_rev.id).order_by("-id").first() or to_rev
    else:
        found = revisions.filter(id=from_id).first()
        if found is None:
            raise Http404(f"Revision {from_id} does not belong to {name}.")
        from_rev = found
    if from_rev.id > to_rev.id:
        from_rev, to_rev = to_rev, from_rev
    return from_rev, to_rev


def revisions_between(from_rev: Revision, to_rev: Revision) -> Any:
    """The revisions after ``from_rev`` up to ``to_rev``, whose recorded changed paths
    name the secrets that changed in between."""
    return Revision.objects.filter(
        kind=to_rev.kind,
        namespace=to_rev.namespace,
        name=to_rev.name,
        id__gt=from_rev.id,
        id__lte=to_rev.id,
    )


def range_managers(from_rev: Revision, to_rev: Revision) -> list[str]:
    """Every field manager that wrote a revision after ``from_rev`` up to ``to_rev``.

    Why not ``to_rev.managers``: a diff across several revisions shows the work of all
    their writers, and naming only the last one credits it with the others' changes.
    A diff of one revision with itself (the first) names that revision's managers.
    """
    if from_rev.id == to_rev.id:
        return list(to_rev.managers)
    writes = revisions_between(from_rev, to_rev).order_by("id").values_list("managers", flat=True)
    return list(dict.fromkeys(m for managers in writes for m in managers))


@object_page
def diff_page(request: HttpRequest, engine: Engine, found: Located) -> HttpResponse:
    kind, ns, name = found.kind, found.namespace, found.name
    base = {"view": "", "noise": ""}
    try:
        from_rev, to_rev = _pick(
            kind.key, ns, name, revision_id(request, "from"), revision_id(request, "to")
        )
    except BadRevisionParam as exc:
        return page(
            request,
            "ui/pages/diff/page.html",
            {"error": str(exc), **base, **object_frame(kind, ns, name)},
            status=400,
        )
    noise = request.GET.get("noise") == "1"
    unified = request.GET.get("view") == "yaml"
    old, new = decode(from_rev.body), decode(to_rev.body)
    recorded = [
        str(p)
        for paths in revisions_between(from_rev, to_rev).values_list("changed_paths", flat=True)
        for p in paths or []
    ]
    rows = diffview.rows(old, new, noise=noise, recorded=recorded)
    hidden = 0 if noise else len(diffview.rows(old, new, noise=True, recorded=recorded)) - len(rows)

    def url(**changes: str) -> str:
        params = {
            "from": str(from_rev.id),
            "to": str(to_rev.id),
            "noise": "1" if noise else "",
            "view": "yaml" if unified else "",
        }
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v})

    return page(
        request,
        "ui/pages/diff/page.html",
        {
            **object_frame(kind, ns, name),
            "from_rev": from_rev,
            "to_rev": to_rev,
            "managers": range_managers(from_rev, to_rev),
            "rows": rows,
            "hidden": hidden,
            "noise": noise,
            "unified": unified,
            "lines": diffview.unified(old, new) if unified else [],
            "noise_url": url(noise="" if noise else "1"),
            "yaml_url": url(view="" if unified else "yaml"),
        },
    )
