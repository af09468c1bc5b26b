"""A live-socket client for security tests: sign in like a browser, read until the close code.

Why websocket-client rather than a browser: these tests need the exact close code and
reason, and to hold many sockets at once cheaply.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import requests
import websocket

LIVE = "/ws/live/?view=list&kind=demo.crscope.dev/widgets"


def signed_in_session(base: str, token: str) -> requests.Session:
    """A session signed in through the form, as a browser would (cookie + CSRF token)."""
    session = requests.Session()
    session.get(f"{base}/signin", timeout=30)
    response = session.post(
        f"{base}/signin",
        data={"token": token, "csrfmiddlewaretoken": session.cookies["csrftoken"], "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:300]
    return session


def sign_out(base: str, session: requests.Session) -> None:
    response = session.post(
        f"{base}/signout",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302


@dataclass
class Closed:
    code: int
    reason: str


def open_socket(
    base: str,
    *,
    session: requests.Session | None = None,
    token: str | None = None,
    path: str = LIVE,
) -> websocket.WebSocket:
    headers = []
    if session is not None:
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        headers.append(f"Cookie: {cookie}")
    if token is not None:
        headers.append(f"Authorization: Bearer {token}")
    url = base.replace("http://", "ws://") + path
    return websocket.create_connection(url, timeout=30, header=headers, origin=base)


def read_until_closed(ws: websocket.WebSocket, *, timeout: float) -> tuple[list[str], Closed]:
    """Every text message, then the server's close frame; fails after ``timeout``."""
    messages: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            break
        if opcode == websocket.ABNF.OPCODE_TEXT:
            messages.append(data.decode())
            # Ack like the browser, so the server keeps sending.
            seq = data.decode().rsplit('data-seq="', 1)[-1].split('"', 1)[0]
            if seq.isdigit():
                ws.send(json.dumps({"ack": int(seq)}))
        elif opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 1005
            return messages, Closed(code, data[2:].decode(errors="replace"))
    raise AssertionError(f"the socket stayed open for {timeout}s ({len(messages)} messages)")
