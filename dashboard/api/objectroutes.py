"""Per-object endpoints (``/history``, ``/events``, ...) declared once for both scopes.

Why: each per-object endpoint exists twice, under ``.../namespaces/{namespace}/{name}``
for namespaced kinds and ``.../{name}`` for cluster-scoped ones. The two differ only in
the path model, the operation id and one word of the summary. Declaring both from one
place keeps their responses, documentation and authorization (``resolve``) identical.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Path as PathParam
from ninja import Query, Router
from pydantic import BaseModel

from dashboard.api.objects import CLUSTER, NAMESPACED, ObjectRef, resolve
from dashboard.api.params import ClusterPath, NamespacedPath

ParamsT = TypeVar("ParamsT", bound=BaseModel)
Handler = Callable[[ObjectRef, ParamsT], dict[str, Any]]

#: (operation id word, summary word, path prefix, path model) for each scope.
_SCOPES: tuple[tuple[str, str, str, type[BaseModel]], ...] = (
    ("Namespaced", "namespaced", NAMESPACED, NamespacedPath),
    ("Cluster", "cluster-scoped", CLUSTER, ClusterPath),
)


def object_route(
    router: Router,
    suffix: str,
    *,
    params: type[ParamsT],
    response: dict[int, Any],
    operation: str,
    summary: str,
) -> Callable[[Handler[ParamsT]], Handler[ParamsT]]:
    """Register ``handler(ref, params)`` as ``GET`` at both scopes' paths plus ``suffix``.

    ``operation`` is the operation id's stem ("History" gives ``getNamespacedHistory``
    and ``getClusterHistory``); ``{scope}`` in ``summary`` becomes the scope's word.
    """

    def register(handler: Handler[ParamsT]) -> Handler[ParamsT]:
        for title, word, prefix, path_model in _SCOPES:
            router.get(
                prefix + suffix,
                response=response,
                by_alias=True,
                operation_id=f"get{title}{operation}",
                summary=summary.format(scope=word),
            )(_view(handler, path_model, params, name=f"{title.lower()}_{operation.lower()}"))
        return handler

    return register


def _view(
    handler: Handler[ParamsT],
    path_model: type[BaseModel],
    params_model: type[ParamsT],
    *,
    name: str,
) -> Callable[..., dict[str, Any]]:
    def view(request: HttpRequest, path: Any, params: Any) -> dict[str, Any]:
        return handler(resolve(request, path), params)

    # ninja builds the schema and the validation from the annotations, which depend on
    # the scope and the endpoint here, so they are set on each view rather than written.
    # (Seen as Any: to a type checker, PathParam and Query are aliases for annotations.)
    path_param: Any = PathParam
    query_param: Any = Query
    view.__annotations__ = {
        "request": HttpRequest,
        "path": path_param[path_model],
        "params": query_param[params_model],
        "return": dict[str, Any],
    }
    view.__name__ = view.__qualname__ = name
    return view
