"""The live socket accepts only our own full origin: scheme, host and port.

These run the real ASGI application in process (no engine: a socket that is let in gets
the "engine not running" message, which is enough to tell accepted from refused).
"""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings

HOST = b"127.0.0.1:8000"


async def _connects(origin: bytes | None, *, host: bytes = HOST, scheme: str = "ws") -> bool:
    from dashboard.asgi import application

    headers = [(b"host", host)]
    if origin is not None:
        headers.append((b"origin", origin))
    comm = WebsocketCommunicator(application, "/ws/live/?view=frame", headers=headers)
    comm.scope["scheme"] = scheme
    connected, _ = await comm.connect(timeout=10)
    await comm.disconnect()
    return bool(connected)


async def test_same_origin_is_accepted() -> None:
    assert await _connects(b"http://127.0.0.1:8000")


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:8001",  # another port of the same host: the reported attack
        b"http://127.0.0.1",  # port 80 is another port too
        b"https://127.0.0.1:8000",  # another scheme
        b"http://evil.example:8000",
        b"null",
        b"",
    ],
)
async def test_foreign_origin_is_refused(origin: bytes) -> None:
    assert not await _connects(origin)


async def test_missing_origin_is_refused() -> None:
    assert not await _connects(None)


async def test_secure_socket_wants_an_https_origin() -> None:
    assert await _connects(b"https://127.0.0.1:8000", scheme="wss")
    assert not await _connects(b"http://127.0.0.1:8000", scheme="wss")


async def test_host_outside_allowed_hosts_cannot_vouch_for_itself() -> None:
    assert not await _connects(b"http://evil.example:8000", host=b"evil.example:8000")


@override_settings(
    CRSCOPE_PUBLIC_URL="https://crscope.example.com",
    CSRF_TRUSTED_ORIGINS=["https://other.example.com:8443"],
)
async def test_public_url_and_trusted_origins_are_accepted_exactly() -> None:
    # Behind a TLS ingress daphne sees plain ws; the browser's origin is the public URL.
    assert await _connects(b"https://crscope.example.com")
    assert await _connects(b"https://crscope.example.com:443")
    assert await _connects(b"https://other.example.com:8443")
    assert not await _connects(b"http://crscope.example.com")
    assert not await _connects(b"https://crscope.example.com:8443")
    assert not await _connects(b"https://other.example.com")
