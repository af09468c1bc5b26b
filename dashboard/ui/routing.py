"""WebSocket routes (filled in by the live UI)."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
