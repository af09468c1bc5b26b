"""An operator with too many live pages open sees why this one is not live, and it recovers.

The server allows 20 live sockets per user. Another 20 are held for alice (her scripts or
other tabs); her new page must say "too many tabs" (not "live", not a silent "offline"),
retry slowly rather than in a loop, and go live by itself once a place frees up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import websocket
from playwright.sync_api import expect

from devkit.controlplane import ControlPlane
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import wait_live
from tests.security.livesocket import open_socket

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

CAP = 20  # CRSCOPE_WS_MAX_PER_USER's default


@pytest.fixture
def alices_other_sockets(
    token_dashboard: DashboardServer, control_plane: ControlPlane
) -> Iterator[list[websocket.WebSocket]]:
    held = []
    for _ in range(CAP):
        ws = open_socket(
            token_dashboard.url, token=control_plane.tokens["alice"], path="/ws/live/?view=frame"
        )
        ws.settimeout(30)
        ws.recv()
        held.append(ws)
    yield held
    for ws in held:
        ws.close()


def test_a_page_over_the_socket_cap_says_so_and_recovers(
    token_dashboard: DashboardServer,
    control_plane: ControlPlane,
    alices_other_sockets: list[websocket.WebSocket],
    watched: Watched,
) -> None:
    page = watched.page
    opened: list[object] = []
    page.on("websocket", lambda ws: opened.append(ws))
    page.add_init_script(
        "window.__sockets = 0; const Real = window.WebSocket;"
        "window.WebSocket = function (...a) { window.__sockets++; return new Real(...a); };"
        "window.WebSocket.prototype = Real.prototype;"
        "Object.assign(window.WebSocket, {OPEN: 1, CLOSED: 3, CONNECTING: 0, CLOSING: 2});"
    )
    page.goto(f"{token_dashboard.url}/signin?next=/")
    page.fill("input[name='token']", control_plane.tokens["alice"])
    page.click("button[type='submit']")

    conn = page.locator("#conn")
    expect(conn).to_have_attribute("data-state", "toomany", timeout=30_000)
    expect(conn).to_contain_text("too many tabs")
    expect(conn).to_have_attribute(
        "title",
        "You have too many crscope pages open: close some, and this one reconnects by itself.",
    )
    # It retries by itself, slowly (4-8 s, then 8-16 s): not in a loop, and not "live".
    page.wait_for_function("() => window.__sockets >= 2", timeout=30_000)
    assert len(opened) <= 3, f"{len(opened)} sockets opened: retrying in a loop"
    expect(conn).to_have_attribute("data-state", "toomany")

    alices_other_sockets.pop().close()  # a place frees up
    wait_live(page, timeout=60_000)
    expect(conn).to_contain_text("live")
    assert watched.errors == []
