"""The "restore this revision" page: what would change, and the commands to copy.

The same access check as the object's page (``locate``): a viewer who may not see the
object gets the same 404 as for one that does not exist. crscope never applies anything;
the page shows the changes from the live object back to the revision (spec, labels,
annotations; never status) and the patch a person runs with their own credentials.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from dashboard.history.models import Revision
from dashboard.history.writer import decode
from dashboard.ui.pages.common import page
from dashboard.ui.pages.detail.located import Located, object_frame, object_page
from dashboard.ui.pages.diff import diffview
from dashboard.ui.pages.restore import patch
from dashboard.ui.pages.revisionparam import BadRevisionParam, revision_id
from informers import Engine

TEMPLATE = "ui/pages/restore/page.html"


@object_page
def restore_page(request: HttpRequest, engine: Engine, found: Located) -> HttpResponse:
    kind, ns, name = found.kind, found.namespace, found.name
    context = object_frame(kind, ns, name)
    try:
        wanted = revision_id(request, "rev")
        if wanted is None:
            raise BadRevisionParam("rev: pick the revision to restore on the object's timeline")
    except BadRevisionParam as exc:
        return page(request, TEMPLATE, {**context, "error": str(exc)}, status=400)
    revision = Revision.objects.filter(
        kind=kind.key, namespace=ns or "", name=name, id=wanted
    ).first()
    if revision is None:
        raise Http404(f"Revision {wanted} does not belong to {name}.")
    target = decode(revision.body)
    live = None if found.deleted_at is not None else found.entry.obj
    try:
        built = patch.build(kind, namespace=ns, name=name, revision=target, live=live)
    except patch.NotRestorable as exc:
        return page(request, TEMPLATE, {**context, "error": str(exc)}, status=400)
    before = patch.restorable(live) if live is not None else {}
    return page(
        request,
        TEMPLATE,
        {
            **context,
            "revision": revision,
            "deleted": found.deleted_at is not None,
            "rows": diffview.rows(before, patch.restorable(target), noise=True),
            "patch": built,
            "field_manager": patch.FIELD_MANAGER,
            "view_rv": found.entry.resource_version,
        },
    )
