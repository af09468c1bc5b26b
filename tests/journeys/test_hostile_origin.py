"""A signed-in operator visits a hostile page served from another port of the same host.

Cookies ignore ports, and same host means same site, so the browser sends the operator's
session cookie (SameSite=Lax) with the hostile page's WebSocket and form POST. The page
must learn nothing over the socket and change nothing through the API.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.cluster import free_port
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, wait_live
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

ATTACK = """<!doctype html><meta charset="utf-8"><title>free prizes</title>
<pre id="socket">waiting</pre>
<form id="post" method="post" action="{target}/api/v1/notifications/read"></form>
<script>
  var out = document.getElementById("socket");
  var ws = new WebSocket("{ws}/ws/live/?view=list&kind=demo.crscope.dev/widgets");
  ws.onmessage = function (e) {{ out.textContent = "LEAKED " + e.data.slice(0, 2000); }};
  ws.onclose = function (e) {{ out.textContent += " closed " + e.code; }};
</script>"""

POST_ONLY = """<!doctype html><meta charset="utf-8"><title>free prizes</title>
<form id="post" method="post" action="{target}/api/v1/notifications/read"></form>
<script>document.getElementById("post").submit();</script>"""


@pytest.fixture
def hostile_site(tmp_path: Path, token_dashboard: DashboardServer) -> Iterator[str]:
    """A static site on another port of 127.0.0.1: the attacker's origin."""
    target = token_dashboard.url
    ws = target.replace("http://", "ws://")
    (tmp_path / "socket.html").write_text(ATTACK.format(target=target, ws=ws))
    (tmp_path / "post.html").write_text(POST_ONLY.format(target=target))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _sign_in(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/signin?next={LIST}")
    page.fill("input[name='token']", token)
    page.click("button[type='submit']")
    wait_live(page)


def test_page_on_another_port_cannot_read_the_live_socket(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    grants: Grants,
    watched: Watched,
    hostile_site: str,
) -> None:
    page = watched.page
    _sign_in(page, token_dashboard.url, control_plane.tokens["limited"])
    expect(page.locator("#rows")).to_contain_text(grants.allowed_ns)  # the user can see rows

    page.goto(f"{hostile_site}/socket.html")
    expect(page.locator("#socket")).to_contain_text("closed", timeout=30_000)
    assert "LEAKED" not in page.locator("#socket").inner_text()
    assert grants.allowed_ns not in page.content()


def test_page_on_another_port_cannot_post_to_the_api(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    grants: Grants,
    watched: Watched,
    hostile_site: str,
) -> None:
    page = watched.page
    _sign_in(page, token_dashboard.url, control_plane.tokens["limited"])

    page.goto(f"{hostile_site}/post.html")
    expect(page).to_have_url(f"{token_dashboard.url}/api/v1/notifications/read")
    body = page.locator("body")
    expect(body).to_contain_text("cross-site")
    assert '"unread"' not in page.content()
