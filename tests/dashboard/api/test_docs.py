"""``/api/schema`` (OpenAPI 3, generated from the views) and ``/api/docs`` (local assets)."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.api.client import Api

pytestmark = pytest.mark.cluster

NS = "/api/v1/resources/{group}/{plural}/namespaces/{namespace}/{name}"
CL = "/api/v1/resources/{group}/{plural}/{name}"
PUBLIC_PATHS = {
    "/api/v1/resources",
    "/api/v1/resources/{group}/{plural}",
    NS,
    CL,
    *(base + suffix for base in (NS, CL) for suffix in ("/history", "/diff", "/events")),
    "/api/v1/health",
    "/api/v1/health-rules",
    "/api/v1/health-rules/test",
    "/api/v1/watch",
}
#: The only POSTs: they change crscope's own state at most (test a rule, retry a
#: delivery, mark notifications read), never the cluster's.
POSTS = ("/api/v1/notifications", "/api/v1/health-rules/test")


def test_schema_documents_every_endpoint_and_its_media_types(api: Api) -> None:
    schema = api.json("/api/schema")
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= PUBLIC_PATHS
    for path, methods in schema["paths"].items():
        allowed = {"get", "post"} if path.startswith(POSTS) else {"get"}
        assert set(methods) <= allowed and methods, path
        for operation in methods.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in response["content"], (path, status)
    watch = schema["paths"]["/api/v1/watch"]["get"]["responses"]["200"]["content"]
    assert set(watch) == {"application/x-ndjson"}
    health = schema["paths"]["/api/v1/health"]["get"]["responses"]["503"]["content"]
    assert set(health) == {"application/json", "application/problem+json"}
    listing = schema["paths"]["/api/v1/resources/{group}/{plural}"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) >= {
        "namespace",
        "labelSelector",
        "state",
        "stuck",
        "search",
        "sort",
        "limit",
        "continue",
    }
    assert params["state"]["schema"]["type"] == "array"
    assert params["limit"]["schema"] == {**params["limit"]["schema"], "minimum": 1}


def test_state_info_documents_why_this_state(api: Api) -> None:
    """Every state carries the rule that decided it, the values read and the expression."""
    state_info = api.json("/api/schema")["components"]["schemas"]["StateInfo"]
    assert {"rule", "inputs", "when"} <= set(state_info["required"])
    assert state_info["properties"]["inputs"]["type"] == "object"
    assert state_info["properties"]["rule"]["type"] == "string"


def test_docs_page_loads_only_local_assets(api: Api) -> None:
    response = api.get("/api/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.text
    assert "<script>" not in html and "style=" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert len(assets) == 3
    for asset in assets:
        assert api.get(asset).status_code == 200, asset


@pytest.mark.browser
def test_swagger_ui_renders_under_the_csp(api: Api) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            external: list[str] = []
            page.on(
                "request",
                lambda req: (
                    external.append(req.url) if not req.url.startswith((api.url, "data:")) else None
                ),
            )
            page.goto(api.url + "/api/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            assert page.locator(".opblock").count() >= len(PUBLIC_PATHS)
            assert problems == []
            assert external == []
        finally:
            browser.close()
