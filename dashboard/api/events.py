"""``.../events``: Kubernetes Events about one object, kept beyond the apiserver's 1 h TTL.

Why from the history DB and not the cluster: the API never calls Kubernetes per request,
and the Events people look for ("why did this fail last night?") are usually gone from the
apiserver by then. Newest first by when an Event was first seen: that value never changes
once stored, so pages stay stable while recurring Events bump their count and last-seen.
An object the dashboard has never seen, with no Events either, is a 404.

Matched by the involved object's (kind, namespace, name): the engine records only Events
that live in their object's namespace (``informers.events``), so an Event created in
another namespace never answers for this object.
"""

from __future__ import annotations

from typing import Any

from ninja import Router

from dashboard.api import render
from dashboard.api.objectroutes import object_route
from dashboard.api.objects import ObjectRef
from dashboard.api.schemas import Events
from dashboard.core.listing.keyset import PageParams, keyset_page
from dashboard.core.web.apierror import error_responses
from dashboard.history.models import EventRow

router = Router(tags=["events"])


@object_route(
    router,
    "/events",
    params=PageParams,
    response={200: Events, **error_responses(400)},
    operation="Events",
    summary="Events about a {scope} object, newest first",
)
def object_events(ref: ObjectRef, params: PageParams) -> dict[str, Any]:
    rows = EventRow.objects.filter(kind=ref.kind_key, namespace=ref.db_namespace, name=ref.name)
    page = keyset_page(
        rows, field="first_seen", params=params, bound_to=f"events|{ref.kind_key}|{ref.key}"
    )
    if page.total == 0 and not params.continue_ and not ref.known():
        # 404 only when nothing at all is known: Events may outlive an object's history.
        raise ref.unknown()
    return {
        "items": [_item(row) for row in page.rows],
        "continue": page.continue_token,
        "total": page.total,
    }


def _item(row: EventRow) -> dict[str, Any]:
    epoch = render.timestamp(0)
    return {
        "uid": row.uid,
        "type": row.type,
        "reason": row.reason,
        "message": row.message,
        "count": row.count,
        "firstSeen": render.timestamp(row.first_seen) or epoch,
        "lastSeen": render.timestamp(row.last_seen) or epoch,
        "source": row.source,
        "involvedUid": row.involved_uid,
    }
