"""The dashboard's own calls to Kubernetes: TokenReview and SubjectAccessReview only.

Why separate from the engine's reflectors: these are request/response calls on behalf of
users (authentication and authorization), made with the dashboard's service account,
and they must fail closed: an unreachable apiserver means "not authenticated" and
"not allowed", never the opposite.
"""

from __future__ import annotations

import logging
from typing import Any

from dashboard.core.runtime.adapter import adapter
from informers import ApiError

log = logging.getLogger(__name__)


class ReviewUnavailable(RuntimeError):
    """The apiserver could not answer a review; callers fail closed."""


def post_review(path: str, body: dict[str, Any]) -> dict[str, Any]:
    engine = adapter.engine
    if engine is None:
        raise ReviewUnavailable(adapter.error or "the engine is not running")
    try:
        return engine.client.post(path, body, timeout=5.0)
    except ApiError as exc:
        raise ReviewUnavailable(f"{path}: {exc}") from exc
    except OSError as exc:
        raise ReviewUnavailable(f"{path}: {exc}") from exc
    except Exception as exc:  # urllib3 raises its own hierarchy for network failures
        log.warning("review call failed: %s", exc)
        raise ReviewUnavailable(f"{path}: {exc}") from exc
