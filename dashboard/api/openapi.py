"""The NinjaAPI object: JSON rendering, the published schema's media types, and local docs.

Why a subclass: ninja documents every response as ``application/json``, but this API
answers errors as ``application/problem+json`` and the watch stream as NDJSON; the schema
must say so, or clients and schemathesis would be told the wrong content types. The
interactive docs are Swagger UI served from ``/static/`` (vendored, see
``dashboard/static/vendor/swagger-ui/README.md``) with its start-up script in a static
file, because the CSP forbids CDNs and inline scripts.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import BaseRenderer

from dashboard.core.web.problem import PROBLEM_JSON

NDJSON = "application/x-ndjson"
_JSON = "application/json"
#: operationId -> media type of its 200 response, where it is not JSON.
_STREAMING = {"watch": NDJSON}
SWAGGER_DIR = "vendor/swagger-ui"


def dumps(data: Any) -> bytes:
    """The API's JSON: orjson, timestamps as RFC 3339 with a ``Z``."""
    return orjson.dumps(data, option=orjson.OPT_UTC_Z, default=str)


def prevalidated(data: Any) -> HttpResponse:
    """A 200 with ``data`` as JSON, skipping ninja's response validation.

    Only for bodies built by ``dashboard.api.render``, which already have the documented
    shape: validating a 100-item list page against its schema again and dumping it back
    cost a third of the request's CPU. A test compares both paths' output.
    """
    return HttpResponse(dumps(data), content_type=_JSON)


class OrjsonRenderer(BaseRenderer):
    """Fast JSON for big pages (see ``dumps``)."""

    media_type = _JSON

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return dumps(data)


class LocalSwagger(DocsBase):
    """Swagger UI from our own static files; settings travel in data- attributes."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        html = format_html(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<title>{title}</title><link rel="icon" href="data:,">'
            '<link rel="stylesheet" href="{css}"></head>'
            '<body><div id="swagger-ui" data-openapi-url="{schema}"></div>'
            '<script src="{bundle}"></script><script src="{init}"></script>'
            "</body></html>",
            title=api.title,
            css=static(f"{SWAGGER_DIR}/swagger-ui.css"),
            schema=self.get_openapi_url(api, kwargs),
            bundle=static(f"{SWAGGER_DIR}/swagger-ui-bundle.js"),
            init=static("api/docs.js"),
        )
        return HttpResponse(html)


class CrscopeAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                _fix_media_types(operation)
                _drop_null_parameters(operation)
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearerAuth"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A Kubernetes bearer token; without one, the server's own identity "
            "applies where the auth mode allows it.",
        }
        schema["security"] = [{}, {"bearerAuth": []}]
        return schema


def _fix_media_types(operation: dict[str, Any]) -> None:
    problem_ref = "#/components/schemas/Problem"
    for status, response in operation.get("responses", {}).items():
        content = response.get("content")
        if not content or _JSON not in content:
            continue
        if str(status) == "200" and operation.get("operationId") in _STREAMING:
            response["content"] = {_STREAMING[operation["operationId"]]: content[_JSON]}
        elif int(status) >= 400:
            if content[_JSON].get("schema", {}).get("$ref") == problem_ref:
                response["content"] = {PROBLEM_JSON: content[_JSON]}
            else:  # a JSON body of its own (the health gate), or a problem when the API fails
                content[PROBLEM_JSON] = {"schema": {"$ref": problem_ref}}


def _drop_null_parameters(operation: dict[str, Any]) -> None:
    """An optional query parameter is omitted, never sent as null: document just its type."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        options = schema.get("anyOf")
        if not isinstance(options, list):
            continue
        typed = [o for o in options if o != {"type": "null"}]
        if len(typed) == 1 and len(options) == 2:
            del schema["anyOf"]
            schema.update(typed[0])
