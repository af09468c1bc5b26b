"""The API app: wires the list page cache to the engine's change feed at start-up."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dashboard.api"
    label = "api"

    def ready(self) -> None:
        from dashboard.api import pagecache
        from dashboard.core.adapter import adapter

        adapter.on_start(pagecache.attach)
