"""``/health``: how the custom resources the caller may see are doing, across kinds.

Why a gate: CI jobs and on-call scripts want one call that says "is anything broken?".
With ``?fail=true`` the answer is 503 while anything needs attention (Failed, stuck, or
Terminating), with the same body, so ``curl --fail`` works as a gate and still explains.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from dashboard.api import render, scope
from dashboard.api.openapi import error_responses
from dashboard.api.params import HealthParams
from dashboard.api.problems import ApiProblem
from dashboard.api.schemas import Health
from dashboard.api.scope import KindScope
from dashboard.api.tally import Tally, attention, severity, tally
from dashboard.core.query import DEFAULT_LIMIT, MAX_LIMIT
from informers import Entry

router = Router(tags=["health"])


@router.get(
    "/health",
    response={200: Health, **error_responses(400), 503: Health},
    operation_id="health",
    summary="Counts by state, and what needs attention",
)
def health(request: HttpRequest, params: Query[HealthParams]) -> tuple[int, dict[str, Any]]:
    scopes = scope.visible_kinds(request)
    resource, namespace = params.resource, params.namespace or None
    if resource:
        scopes = [s for s in scopes if s.kind.key == resource]
        if not scopes:
            raise ApiProblem(
                404, f"no watched resource {resource}", slug="not-found", param="resource"
            )
    now = time.time()
    overall, kinds = Tally(), []
    found: list[tuple[KindScope, Entry, bool]] = []
    for kind_scope in scopes:
        kind = kind_scope.kind
        counts = tally(kind_scope, namespace=namespace, now=now)
        overall.add(counts)
        kinds.append(
            {
                "group": kind.group,
                "plural": kind.plural,
                "kind": kind.kind,
                "total": counts.total,
                "states": counts.states,
                "stuck": counts.stuck,
            }
        )
        found.extend(
            (kind_scope, entry, stuck)
            for entry, stuck in attention(kind_scope, namespace=namespace, now=now)
        )
    found.sort(key=lambda item: severity(item[1], item[2]))
    shown = found[: min(params.limit or DEFAULT_LIMIT, MAX_LIMIT)]
    body = {
        "healthy": not found,
        "total": overall.total,
        "states": overall.states,
        "stuck": overall.stuck,
        "kinds": kinds,
        "attention": [
            {
                "group": s.kind.group,
                "plural": s.kind.plural,
                "kind": s.kind.kind,
                "name": entry.name,
                "namespace": entry.namespace,
                "uid": entry.uid,
                "state": render.state_info(entry, stuck),
            }
            for s, entry, stuck in shown
        ],
        "attentionTotal": len(found),
    }
    return (503 if params.fail and found else 200), body
