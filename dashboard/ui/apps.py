"""The UI app: pages, templates, static assets and the live WebSocket feeds."""

from __future__ import annotations

from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "dashboard.ui"
    label = "ui"
