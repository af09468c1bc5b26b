"""One object by path: ``.../namespaces/{namespace}/{name}`` or ``.../{name}`` (cluster scope).

Why ETags from the resourceVersion: dashboards and scripts poll objects; a poll that finds
nothing new should cost a header comparison, not a body. The tag also changes when the
object becomes stuck, since the body says so. A deleted object answers 404, and when
history knows the deletion the problem says so and links to the object's history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags
from ninja import Path as PathParam
from ninja import Router

from dashboard.api import render, scope
from dashboard.api.params import ClusterPath, NamespacedPath
from dashboard.api.schemas import ObjectDetail
from dashboard.api.scope import KindScope
from dashboard.core.auth.redactor import shown_columns
from dashboard.core.web import timefmt
from dashboard.core.web.apierror import ApiProblem, error_responses, not_found
from dashboard.history.models import Revision

router = Router(tags=["objects"])

NAMESPACED = "/resources/{group}/{plural}/namespaces/{namespace}/{name}"
CLUSTER = "/resources/{group}/{plural}/{name}"


@dataclass(frozen=True)
class ObjectRef:
    """An object addressed by path, after the authorization check."""

    scope: KindScope
    namespace: str | None
    name: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def kind_key(self) -> str:
        return self.scope.kind.key

    @property
    def db_namespace(self) -> str:
        return self.namespace or ""

    def path(self, suffix: str = "") -> str:
        kind = self.scope.kind
        base = f"/api/v1/resources/{quote(kind.group)}/{quote(kind.plural)}"
        if self.namespace:
            base += f"/namespaces/{quote(self.namespace)}"
        return f"{base}/{quote(self.name)}{suffix}"

    def known(self) -> bool:
        """Cached now, or ever recorded in history: otherwise the object is unknown (404)."""
        return self.scope.informer.store.get(self.key) is not None or self.revisions().exists()

    def unknown(self) -> ApiProblem:
        return not_found(f"{self.scope.kind.kind} {self.key} not found, now or in history")

    def revisions(self) -> Any:
        """This object's history rows (every uid that had this name), newest first."""
        return Revision.objects.filter(
            kind=self.kind_key, namespace=self.db_namespace, name=self.name
        ).order_by("-rv_int", "-id")


def resolve(request: HttpRequest, path: NamespacedPath | ClusterPath) -> ObjectRef:
    """The object the path names, once the caller is allowed to ``get`` it (else 404)."""
    namespace = path.namespace
    kind_scope = scope.object_scope(request, path.group, path.plural, namespace, path.name)
    return ObjectRef(kind_scope, namespace, path.name)


_DETAIL = {200: ObjectDetail, 304: None, **error_responses(400)}


@router.get(
    NAMESPACED,
    response=_DETAIL,
    operation_id="getNamespacedObject",
    summary="One namespaced object, with its state",
)
def get_namespaced(
    request: HttpRequest, response: HttpResponse, path: PathParam[NamespacedPath]
) -> Any:
    return _detail(request, response, resolve(request, path))


@router.get(
    CLUSTER,
    response=_DETAIL,
    operation_id="getClusterObject",
    summary="One cluster-scoped object, with its state",
)
def get_cluster(request: HttpRequest, response: HttpResponse, path: PathParam[ClusterPath]) -> Any:
    return _detail(request, response, resolve(request, path))


def _detail(request: HttpRequest, response: HttpResponse, ref: ObjectRef) -> Any:
    """The object; ``response`` is ninja's response-to-be, which carries our headers."""
    entry = ref.scope.informer.store.get(ref.key)
    if entry is None:
        raise _missing(ref)
    stuck = entry.stuck(time.time(), ref.scope.stuck_after)
    etag = f'"{entry.resource_version}{"-stuck" if stuck else ""}"'
    if _fresh(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
        del response["Content-Type"]
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization"
    if response.status_code == 304:
        return response
    return {
        "object": render.body(entry.obj),
        "state": render.state_info(entry, stuck),
        "columns": shown_columns(entry.obj, ref.scope.kind.columns),
    }


def _fresh(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    weak = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == weak for tag in parse_etags(if_none_match))


def _missing(ref: ObjectRef) -> ApiProblem:
    kind = ref.scope.kind.kind
    last = ref.revisions().only("type", "resource_version", "observed").first()
    if last is None or last.type != "DELETED":
        return not_found(f"{kind} {ref.key} not found")
    deleted_at = render.timestamp(last.observed)
    return ApiProblem(
        404,
        f"{kind} {ref.key} was deleted",
        slug="deleted",
        extra={
            "deleted": True,
            "deletedAt": timefmt.iso_precise(last.observed) if deleted_at else None,
            "lastResourceVersion": last.resource_version,
            "history": ref.path("/history"),
        },
    )
