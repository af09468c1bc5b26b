"""SubjectAccessReview-backed permission checks with a short per-user cache.

Why: the cache is shared, so every read is cut down to what the user's RBAC allows for
that resource in that namespace. A cluster-wide allow means "all namespaces"; otherwise
each namespace that holds objects of the kind is checked. Answers are cached per
(user, groups, verb, resource, namespace) for ``CRSCOPE_AUTHZ_TTL`` seconds (default 10),
so a revoked RoleBinding stops working within that time.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from dashboard.core.auth.kubeapi import ReviewUnavailable, post_review
from dashboard.core.auth.viewer import Viewer
from informers import KindInfo

log = logging.getLogger(__name__)
SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"


class Reviewer:
    def __init__(self, ttl: float | None = None) -> None:
        self.ttl = float(settings.CRSCOPE_AUTHZ_TTL) if ttl is None else ttl
        self._cache: dict[tuple[str, str, str, str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()
        self.reviews = 0

    def allowed(self, viewer: Viewer, *, verb: str, kind: KindInfo, namespace: str) -> bool:
        key = (viewer.cache_key, verb, kind.group, kind.plural, namespace)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        answer = self._review(viewer, verb=verb, kind=kind, namespace=namespace)
        with self._lock:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[key] = (now, answer)
        return answer

    def _review(self, viewer: Viewer, *, verb: str, kind: KindInfo, namespace: str) -> bool:
        attributes = {
            "verb": verb,
            "group": kind.group,
            "resource": kind.plural,
            "version": kind.version,
        }
        if namespace:
            attributes["namespace"] = namespace
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": viewer.username,
                "groups": list(viewer.groups),
                "uid": viewer.uid,
                "resourceAttributes": attributes,
            },
        }
        self.reviews += 1
        try:
            status = post_review(SAR_PATH, body).get("status") or {}
        except ReviewUnavailable as exc:
            log.warning("authorization: %s; denying", exc)
            return False
        return bool(status.get("allowed")) and not status.get("denied")

    def namespaces(
        self, viewer: Viewer, kind: KindInfo, verb: str, candidates: list[str]
    ) -> set[str] | None:
        if self.allowed(viewer, verb=verb, kind=kind, namespace=""):
            return None
        if not kind.namespaced:
            return set()
        return {ns for ns in candidates if self.allowed(viewer, verb=verb, kind=kind, namespace=ns)}

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


reviewer = Reviewer()
