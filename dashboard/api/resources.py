"""``/resources``: the watched kinds, and one kind's objects as a filtered, paged list.

Why the list goes through ``dashboard.core.listing.query``: the UI list and this endpoint must
agree on what every filter means and where pages break. Pagination is keyset-based, so a
``continue`` token stays valid and consistent while objects are added and removed: nothing
that existed throughout is skipped and nothing is served twice.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path as PathParam
from ninja import Query, Router

from dashboard.api import render, scope
from dashboard.api.openapi import prevalidated
from dashboard.api.params import KindPath, ListParams
from dashboard.api.schemas import ObjectList, ResourceList
from dashboard.api.tally import tally
from dashboard.core.auth import access
from dashboard.core.listing import pagecache
from dashboard.core.listing.query import PageRequest, parse_list_query
from dashboard.core.web.apierror import error_responses

router = Router(tags=["resources"])


@router.get(
    "/resources",
    response={200: ResourceList, **error_responses()},
    operation_id="listResources",
    summary="Watched kinds with counts by state",
)
def list_resources(request: HttpRequest) -> dict[str, Any]:
    items = []
    all_synced = True
    for kind_scope in scope.visible_kinds(request):
        kind, informer = kind_scope.kind, kind_scope.informer
        counts = tally(kind_scope)
        all_synced = all_synced and informer.synced
        items.append(
            {
                "group": kind.group,
                "version": kind.version,
                "kind": kind.kind,
                "plural": kind.plural,
                "scope": kind.scope,
                "count": counts.total,
                "states": counts.states,
                "stuck": counts.stuck,
                "synced": informer.synced,
                "progress": _progress(kind_scope, counts.total),
                "columns": [
                    {
                        "name": c.name,
                        "type": c.type,
                        "description": c.description,
                        "priority": c.priority,
                    }
                    for c in kind.columns
                ],
                "versions": list(kind.versions) or [kind.version],
            }
        )
    return {"items": items, "synced": all_synced}


def _progress(kind_scope: scope.KindScope, visible: int) -> dict[str, int | None]:
    """The initial load: objects loaded of the total the list announced (when it did),
    counting only what the caller may see (``access.sync_progress``)."""
    if kind_scope.informer.synced:
        return {"loaded": visible, "total": visible}
    progress = access.sync_progress(kind_scope.informer, kind_scope.namespaces)
    return {"loaded": progress.loaded, "total": progress.total}


@router.get(
    "/resources/{group}/{plural}",
    response={200: ObjectList, **error_responses(400)},
    by_alias=True,
    operation_id="listObjects",
    summary="List one kind's objects",
)
def list_objects(
    request: HttpRequest, path: PathParam[KindPath], params: Query[ListParams]
) -> HttpResponse:
    kind_scope = scope.kind_scope(request, path.group, path.plural)
    raw: dict[str, list[str]] = {
        "namespace": [params.namespace or ""],
        "labelSelector": [params.labelSelector or ""],
        "state": [s.value for s in params.state or ()],
        "stuck": [] if params.stuck is None else [str(params.stuck).lower()],
        "search": [params.search or ""],
        "sort": [params.sort or "name"],
        "limit": [] if params.limit is None else [str(params.limit)],
    }
    query = parse_list_query(raw, columns=[c.name for c in kind_scope.kind.columns])
    page = pagecache.page(
        kind_scope.informer,
        PageRequest(
            query,
            namespaces=kind_scope.namespaces,
            stuck_after=kind_scope.stuck_after,
            continue_token=params.continue_ or None,
        ),
    )
    return prevalidated(
        {
            "items": [render.summary(row) for row in page.rows],
            "continue": page.continue_token,
            "total": page.total,
        }
    )
