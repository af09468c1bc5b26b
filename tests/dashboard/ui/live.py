"""Fixtures for the live UI: a real engine on the session's apiserver, in this process.

The engine is built without the history writer (these tests never touch the database),
wired to the UI exactly as the adapter's start hook wires it, and published through
``adapter.engine`` so consumers and views find it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from devkit.controlplane import ControlPlane
from informers import Engine, EngineSettings
from tests.dashboard.ui.inprocess import installed_engine

SEQ = re.compile(r'id="live-meta"[^>]*data-seq="(\d+)"')


@pytest.fixture(scope="module")
def live_engine(control_plane: ControlPlane, sample_crds: list[str]) -> Iterator[Engine]:
    settings = EngineSettings(include_groups=("demo.crscope.dev",), events="off")
    with installed_engine(
        control_plane,
        settings,
        ready=lambda engine: engine.readiness().ready and len(engine.informers()) >= 3,
    ) as engine:
        yield engine


class Live:
    """A WebsocketCommunicator that acks like the browser and collects messages."""

    def __init__(self, query: str) -> None:
        from dashboard.asgi import application

        self.comm = WebsocketCommunicator(
            application,
            f"/ws/live/?{query}",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
        )
        self.messages: list[str] = []

    async def __aenter__(self) -> Live:
        connected, _ = await self.comm.connect()
        assert connected
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.comm.disconnect()

    async def receive(self, timeout: float = 30.0) -> str | None:
        """The next message, or None after ``timeout`` (without cancelling the consumer,
        which ``receive_from``'s own timeout would do). The default is generous: a full
        render of the home page over a cluster other tests have filled takes seconds on a
        loaded machine; a test that expects silence passes its own short timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.comm.receive_nothing(timeout=0.05, interval=0.01):
            if loop.time() >= deadline:
                return None
        text: str = await self.comm.receive_from(timeout=30)  # one is queued: no wait
        self.messages.append(text)
        match = SEQ.search(text)
        if match:
            await self.comm.send_to(text_data=json.dumps({"ack": int(match.group(1))}))
        return text

    async def until(self, predicate: Any, timeout: float = 30.0) -> str:
        """The first message satisfying ``predicate`` within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no matching message in {timeout}s; got {self.messages!r}")
            text = await self.receive(timeout=remaining)
            if text is not None and predicate(text):
                return text

    async def quiet_for(self, seconds: float) -> list[str]:
        """Everything received in the next ``seconds`` (acking as it goes)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        got = []
        while (remaining := deadline - loop.time()) > 0:
            text = await self.receive(timeout=remaining)
            if text is None:
                break
            got.append(text)
        return got
