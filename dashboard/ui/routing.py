"""WebSocket routes: one live endpoint; the query string says what the page shows."""

from __future__ import annotations

from typing import Any

from django.urls import path

from dashboard.core.web.liveurl import LIVE_PATH
from dashboard.ui.live.consumer import LiveConsumer

websocket_urlpatterns: list[Any] = [
    path(LIVE_PATH.lstrip("/"), LiveConsumer.as_asgi()),
]
