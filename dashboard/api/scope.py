"""The API's single authorization gate: who is asking, which kind, which namespaces.

Why one module: every endpoint must cut the shared cache down to what the caller may read,
and must do it the same way, so a kind the caller cannot list anywhere looks exactly like
a kind that does not exist (404, absent from ``/resources`` and ``/health``). Every view
starts by calling one of the functions here; none reads the engine or the viewer itself.
The decisions come from ``dashboard.core.auth.access``; this module only turns them into scopes
and problem responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.http import HttpRequest

from dashboard.core.auth import access, identity
from dashboard.core.auth.viewer import Viewer
from dashboard.core.runtime.adapter import adapter
from dashboard.core.web.apierror import ApiProblem, not_found
from informers import Engine, Informer, KindInfo


@dataclass(frozen=True)
class KindScope:
    """One kind as the caller may see it; ``namespaces`` None means every namespace."""

    engine: Engine
    viewer: Viewer
    informer: Informer
    namespaces: set[str] | None

    @property
    def kind(self) -> KindInfo:
        return self.informer.kind

    @property
    def stuck_after(self) -> float:
        return self.engine.settings.stuck_threshold(self.kind.key)

    def allows(self, namespace: str | None) -> bool:
        return access.shows_namespace(self.namespaces, self.kind, namespace)


def engine() -> Engine:
    """The running engine, or 503 when the cluster configuration failed."""
    running = adapter.engine
    if running is None:
        reason = adapter.error or "the informer engine is not running"
        raise ApiProblem(503, reason, slug="unavailable")
    return running


def viewer(request: HttpRequest) -> Viewer:
    """The caller; bad credentials raise (401). The identity module caches it per request."""
    return identity.viewer_for_request(request)


def visible_kinds(request: HttpRequest) -> list[KindScope]:
    """Every watched kind the caller may list somewhere, in the engine's order."""
    running, who = engine(), viewer(request)
    scopes = []
    for kind in running.kinds():
        informer = running.informer(kind.key)
        found = _listable(running, who, informer) if informer is not None else None
        if found is not None:
            scopes.append(found)
    return scopes


def _listable(running: Engine, who: Viewer, informer: Informer) -> KindScope | None:
    """The caller's scope of ``informer``'s kind, or None where they may list it nowhere."""
    namespaces = access.visible_namespaces(who, informer.kind, "list")
    if namespaces is None or namespaces:
        return KindScope(running, who, informer, namespaces)
    return None


def _visible_kind(request: HttpRequest, key: str) -> KindScope | None:
    """The kind ``key`` if it is watched and the caller may list it somewhere.

    Only that kind is reviewed: an unknown kind answers without any access review, a
    forbidden one after its own. The difference in time tells nothing that API discovery
    does not already tell any authenticated user (which kinds exist), and reviewing every
    kind on each call would cost hundreds of serial reviews whenever the cache expires.
    """
    running, who = engine(), viewer(request)
    informer = running.informer(key)
    return _listable(running, who, informer) if informer is not None else None


def kind_scope(request: HttpRequest, group: str, plural: str) -> KindScope:
    """One kind, or 404 when it is not watched or the caller cannot list it anywhere."""
    scope = _visible_kind(request, f"{group}/{plural}")
    if scope is None:
        raise not_found(f"no watched resource {group}/{plural}")
    return scope


def object_scope(
    request: HttpRequest, group: str, plural: str, namespace: str | None, name: str
) -> KindScope:
    """The kind of one object addressed by path, checked for ``get`` in its namespace.

    The path must match the kind's scope: a namespaced kind is only reachable under
    ``namespaces/{namespace}/``, a cluster-scoped one only without it.
    """
    scope = kind_scope(request, group, plural)
    kind = scope.kind
    if kind.namespaced and namespace is None:
        raise not_found(
            f"{kind.kind} is namespaced: use "
            f"/api/v1/resources/{kind.key}/namespaces/{{namespace}}/{{name}}"
        )
    if not kind.namespaced and namespace is not None:
        raise not_found(f"{kind.kind} is cluster-scoped: use /api/v1/resources/{kind.key}/{{name}}")
    if not access.can_see(scope.viewer, kind, namespace if kind.namespaced else None, "get"):
        raise not_found(f"{kind.kind} {namespace}/{name} not found")
    return scope


def resource_scope(request: HttpRequest, resource: str) -> KindScope:
    """The kind a ``resource`` parameter (group/plural) names: 404 when unknown or
    listable nowhere, alike, so the answer does not tell which kinds exist."""
    scope = _visible_kind(request, resource)
    if scope is None:
        raise ApiProblem(404, f"no watched resource {resource}", slug="not-found", param="resource")
    return scope


def watch_scope(request: HttpRequest, resource: str) -> KindScope:
    """The kind for the NDJSON stream (403 is for access lost mid-stream)."""
    return resource_scope(request, resource)


def stream_session(request: HttpRequest) -> str | None:
    """The session key when the caller was identified by the sign-in session's token
    (not a bearer header), so that a long stream can notice the sign-out."""
    session = getattr(request, "session", None)
    if session is None or request.headers.get("Authorization"):
        return None
    token = session.get(identity.SESSION_TOKEN_KEY)
    if not token or token != viewer(request).token:
        return None
    return str(session.session_key or "") or None


def watch_recheck(kind_scope: KindScope, *, session_key: str | None = None) -> KindScope:
    """The scope of an open stream, read again: who the caller is, and what they may list.

    Why: a stream outlives the request that opened it, so a deleted binding, a deleted
    ServiceAccount or a sign-out must reach it too. Raises a 401 problem when the stream's
    token no longer authenticates the same user or its session no longer holds that token,
    403 when the kind is no longer listable anywhere. Callers run it in a worker thread
    (it may call TokenReview and SubjectAccessReview, and read the session store).
    A TokenReview that could not be made (:class:`identity.VerificationUnavailable`) or a
    session store that failed (``DatabaseError``) propagates as is: it says nothing about
    the caller, so the stream keeps its scope and asks again rather than ending with 401.
    """
    who = kind_scope.viewer
    if session_key is not None:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
        if store.get(identity.SESSION_TOKEN_KEY) != who.token:
            raise ApiProblem(401, "the session that opened this stream ended", slug="unauthorized")
    if who.token is not None:
        try:
            current = identity.token_reviewer.review(who.token)
        except identity.VerificationUnavailable:
            raise
        except identity.AuthenticationError as exc:
            raise ApiProblem(401, str(exc), slug="unauthorized") from exc
        if (current.username, current.uid) != (who.username, who.uid):
            raise ApiProblem(401, "the token now names another user", slug="unauthorized")
    namespaces = access.visible_namespaces(who, kind_scope.kind, "list")
    if namespaces is not None and not namespaces:
        raise ApiProblem(403, f"you may no longer list {kind_scope.kind.key}", slug="forbidden")
    return KindScope(kind_scope.engine, who, kind_scope.informer, namespaces)
