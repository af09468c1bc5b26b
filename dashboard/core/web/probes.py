"""Liveness and readiness.

``/healthz`` is 200 while the process serves. ``/readyz`` is 200 once the informer engine
has listed the CRDs, every kind has synced (except kinds that cannot be listed past the
grace period, which are reported on their pages, the rail and in metrics instead), and
the database schema is present and current; otherwise 503 with the reasons.

Why generic reasons: ``/readyz`` answers without authentication (kubelet probes it), so
it must not name kinds, which a user without access must not learn. The details (which
kinds are syncing or unavailable, which migrations are pending) go to the log, once each
time they change.
"""

from __future__ import annotations

import logging
import threading

from django.http import HttpRequest, JsonResponse

from dashboard.core.runtime.adapter import adapter
from dashboard.core.web import dbready

log = logging.getLogger(__name__)

ENGINE_DOWN = "the informer engine is not running (see the server log)"

_last_logged: tuple[str, ...] = ()
_log_lock = threading.Lock()


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    reasons: list[str] = []
    details: list[str] = []
    engine = adapter.engine
    if engine is None:
        reasons.append(ENGINE_DOWN)
        details.append(adapter.error or ENGINE_DOWN)
    else:
        readiness = engine.readiness()
        reasons.extend(readiness.summary)
        details.extend(readiness.reasons)
        details.extend(f"not waiting for {kind}" for kind in readiness.unavailable)
    database = dbready.problem()
    if database is not None:
        reasons.append(database)
        details.append(database)
    _log_details(tuple(details))
    return JsonResponse({"ready": not reasons, "reasons": reasons}, status=503 if reasons else 200)


def _log_details(details: tuple[str, ...]) -> None:
    """Log what readiness found when it changes (kubelet polls every few seconds)."""
    global _last_logged
    with _log_lock:
        if details == _last_logged:
            return
        _last_logged = details
    log.info("readiness: %s", "; ".join(details) or "ready")
