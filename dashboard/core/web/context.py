"""Template context shared by every page: the cluster, connection problems, the kind rail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from dashboard.core.runtime.adapter import adapter


def frame(request: HttpRequest) -> dict[str, Any]:
    engine = adapter.engine
    problem = adapter.error
    if engine is not None and problem is None:
        readiness = engine.readiness()
        if not readiness.ready and any("CustomResourceDefinitions" in r for r in readiness.reasons):
            problem = "; ".join(readiness.reasons)
    return {
        "cluster_name": adapter.cluster_name or "cluster",
        "cluster_problem": problem,
        "auth_mode": settings.CRSCOPE_AUTH_MODE,
    }
