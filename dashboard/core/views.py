"""Liveness and readiness.

``/healthz`` is 200 while the process serves. ``/readyz`` is 200 only when Kubernetes is
reachable and every started informer has synced; otherwise 503 naming what is not ready.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from dashboard.core.adapter import adapter


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    engine = adapter.engine
    if engine is None:
        reason = adapter.error or "the informer engine is not running"
        return JsonResponse({"ready": False, "reasons": [reason]}, status=503)
    readiness = engine.readiness()
    return JsonResponse(
        {"ready": readiness.ready, "reasons": list(readiness.reasons)},
        status=200 if readiness.ready else 503,
    )
