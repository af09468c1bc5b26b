"""Template context shared by every page: the cluster, connection problems, the kind rail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dashboard.core.runtime.adapter import adapter


def frame(request: HttpRequest) -> dict[str, Any]:
    engine = adapter.engine
    problem = adapter.error
    if engine is not None and problem is None and not engine.kinds_listed():
        # Until the CRDs are listed no page can tell an empty cluster from an early one.
        problem = "; ".join(engine.readiness().reasons)
    return {
        "cluster_name": adapter.cluster_name or "cluster",
        "cluster_problem": problem,
        "auth_mode": settings.CRSCOPE_AUTH_MODE,
    }
