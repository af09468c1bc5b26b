"""``/health``: how the custom resources the caller may see are doing, across kinds.

Why a gate: CI jobs and on-call scripts want one call that says "is anything broken?".
With ``?fail=true`` the answer is 503 while anything needs attention (Failed, stuck, or
Terminating) or while any kind in scope has not finished its initial sync, with the same
body, so ``curl --fail`` works as a gate and still explains. A gate must never pass when
it does not know: during a restart's initial sync the counts are partial (``synced`` is
false and ``syncing`` names the kinds), a kind that can no longer be listed keeps stale
counts (``unavailable`` names it), and a namespace or kind that does not exist, or
that the caller may not see, is a 404 rather than "healthy, 0 objects".
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from dashboard.api import render, scope
from dashboard.api.params import HealthParams
from dashboard.api.schemas import Health
from dashboard.api.scope import KindScope
from dashboard.api.tally import Tally, tally
from dashboard.core.auth.access import namespace_filter
from dashboard.core.listing import attention, namespaces
from dashboard.core.listing.query import DEFAULT_LIMIT, MAX_LIMIT
from dashboard.core.web.apierror import ApiProblem, error_responses, not_found

router = Router(tags=["health"])


def _in_scope(request: HttpRequest, params: HealthParams) -> list[KindScope]:
    """The kinds the gate covers; 404 for an unknown (or invisible) kind or namespace."""
    if not scope.engine().kinds_listed():
        raise ApiProblem(
            503,
            "the dashboard is still discovering custom resource kinds; retry shortly",
            slug="syncing",
            headers={"Retry-After": "2"},
        )
    scopes = scope.visible_kinds(request)
    if params.resource:
        scopes = [s for s in scopes if s.kind.key == params.resource]
        if not scopes:
            raise not_found(f"no watched resource {params.resource}", param="resource")
    namespace = params.namespace
    if namespace:
        # The same answer for "does not exist" and "may not see", decided before the
        # apiserver is asked, so a limited caller learns nothing from it either.
        scopes = [s for s in scopes if s.kind.namespaced and s.allows(namespace)]
        if not scopes or not _namespace_exists(namespace):
            raise not_found(
                f"no namespace {namespace} with watched resources you may see",
                param="namespace",
            )
    return scopes


def _namespace_exists(namespace: str) -> bool:
    try:
        return namespaces.exists(scope.engine(), namespace)
    except namespaces.NamespaceCheckFailed as exc:
        raise ApiProblem(
            503, f"could not check namespace {namespace}: {exc}", slug="unavailable"
        ) from exc


def _kind_body(kind_scope: KindScope, counts: Tally) -> dict[str, Any]:
    kind, informer = kind_scope.kind, kind_scope.informer
    failure = informer.unavailable
    return {
        "group": kind.group,
        "plural": kind.plural,
        "kind": kind.kind,
        "total": counts.total,
        "states": counts.states,
        "stuck": counts.stuck,
        "synced": informer.synced,
        "unavailable": failure.reason if failure is not None else None,
    }


@router.get(
    "/health",
    response={200: Health, **error_responses(400), 503: Health},
    operation_id="health",
    summary="Counts by state, and what needs attention",
)
def health(request: HttpRequest, params: Query[HealthParams]) -> tuple[int, dict[str, Any]]:
    scopes = _in_scope(request, params)
    namespace = params.namespace or None
    now = time.time()
    overall, kinds = Tally(), []
    found: list[attention.Needing] = []
    for kind_scope in scopes:
        counts = tally(kind_scope, namespace=namespace, now=now)
        overall.add(counts)
        kinds.append(_kind_body(kind_scope, counts))
        found.extend(
            attention.needing(
                kind_scope.informer,
                namespaces=namespace_filter(kind_scope.namespaces, kind_scope.kind, namespace),
                stuck_after=kind_scope.stuck_after,
                now=now,
            )
        )
    found.sort(key=lambda item: item.sort_key)
    shown = found[: min(params.limit or DEFAULT_LIMIT, MAX_LIMIT)]
    syncing = [s.kind.key for s in scopes if not s.informer.synced]
    # A kind that synced and then could no longer be listed keeps its old counts: stale.
    unavailable = [s.kind.key for s in scopes if s.informer.unavailable is not None]
    unknown = bool(syncing or unavailable)
    body = {
        "healthy": not found and not unknown,
        "synced": not syncing,
        "syncing": syncing,
        "unavailable": unavailable,
        "total": overall.total,
        "states": overall.states,
        "stuck": overall.stuck,
        "kinds": kinds,
        "attention": [
            {
                "group": item.kind.group,
                "plural": item.kind.plural,
                "kind": item.kind.kind,
                "name": item.entry.name,
                "namespace": item.entry.namespace,
                "uid": item.entry.uid,
                "state": render.state_info(item.entry, item.stuck),
            }
            for item in shown
        ],
        "attentionTotal": len(found),
    }
    return (503 if params.fail and (found or unknown) else 200), body
