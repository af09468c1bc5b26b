"""``/resources``: the watched kinds, and one kind's objects as a filtered, paged list.

Why the list goes through ``dashboard.core.query``: the UI list and this endpoint must
agree on what every filter means and where pages break. Pagination is keyset-based, so a
``continue`` token stays valid and consistent while objects are added and removed: nothing
that existed throughout is skipped and nothing is served twice.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from dashboard.api import render, scope
from dashboard.api.openapi import error_responses
from dashboard.api.schemas import ObjectList, ResourceList
from dashboard.api.tally import tally
from dashboard.core.query import list_page, parse_list_query
from informers import State

router = Router(tags=["resources"])


@router.get("/resources", response={200: ResourceList, **error_responses()},
            operation_id="listResources", summary="Watched kinds with counts by state")
def list_resources(request: HttpRequest) -> dict[str, Any]:
    items = []
    all_synced = True
    for kind_scope in scope.visible_kinds(request):
        kind, informer = kind_scope.kind, kind_scope.informer
        counts = tally(kind_scope)
        all_synced = all_synced and informer.synced
        items.append({
            "group": kind.group, "version": kind.version, "kind": kind.kind,
            "plural": kind.plural, "scope": kind.scope, "count": counts.total,
            "states": counts.states, "stuck": counts.stuck, "synced": informer.synced,
            "progress": {"loaded": informer.sync_progress.loaded,
                         "total": informer.sync_progress.total},
            "columns": [{"name": c.name, "type": c.type, "description": c.description,
                         "priority": c.priority} for c in kind.columns],
            "versions": list(kind.versions) or [kind.version],
        })
    return {"items": items, "synced": all_synced}


@router.get("/resources/{group}/{plural}",
            response={200: ObjectList, **error_responses(400)}, by_alias=True,
            operation_id="listObjects", summary="List one kind's objects")
def list_objects(
    request: HttpRequest,
    group: str,
    plural: str,
    namespace: str | None = Query(None, max_length=253, description="Only this namespace"),
    labelSelector: str | None = Query(  # noqa: N803 - the Kubernetes parameter name
        None, max_length=4096, description="Kubernetes label selector, e.g. `app=web,env!=dev`"),
    state: list[State] | None = Query(None, description="Reconcile state; repeat for several"),
    stuck: bool | None = Query(None, description="Only stuck (true) or not stuck (false)"),
    search: str | None = Query(None, max_length=253, description="Name substring, any case"),
    sort: str | None = Query(None, max_length=300, description=(
        "`name`, `namespace`, `age`, `state` or a printer-column name; `-` prefix for "
        "descending")),
    limit: int | None = Query(None, ge=1, description="Page size: default 100, above 1000 capped"),
    continue_: str | None = Query(None, alias="continue", max_length=4096,
                                  description="Token from the previous page"),
) -> dict[str, Any]:
    kind_scope = scope.kind_scope(request, group, plural)
    params: dict[str, list[str]] = {
        "namespace": [namespace or ""],
        "labelSelector": [labelSelector or ""],
        "state": [s.value for s in state or ()],
        "stuck": [] if stuck is None else [str(stuck).lower()],
        "search": [search or ""],
        "sort": [sort or "name"],
        "limit": [] if limit is None else [str(limit)],
    }
    query = parse_list_query(params, columns=[c.name for c in kind_scope.kind.columns])
    page = list_page(kind_scope.informer, query, continue_token=continue_ or None,
                     namespaces=kind_scope.namespaces if kind_scope.kind.namespaced else None,
                     stuck_after=kind_scope.stuck_after)
    return {"items": [render.summary(row) for row in page.rows],
            "continue": page.continue_token, "total": page.total}
