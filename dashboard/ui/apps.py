"""The UI app: pages, templates, static assets and the live WebSocket feeds."""

from __future__ import annotations

from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "dashboard.ui"
    label = "ui"

    def ready(self) -> None:
        from dashboard.core.adapter import adapter
        from dashboard.ui.live import hooks

        adapter.on_start(hooks.install)
        adapter.on_stop(hooks.uninstall)
