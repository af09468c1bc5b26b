"""SubjectAccessReview-backed permission checks with a short per-user cache.

Placeholder until per-user authentication lands: only the server identity exists, so
no non-server viewer is ever created; if one is, it sees nothing.
"""

from __future__ import annotations

from informers import KindInfo


class Reviewer:
    def namespaces(self, viewer: object, kind: KindInfo, verb: str) -> set[str] | None:
        return set()


reviewer = Reviewer()
