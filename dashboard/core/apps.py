from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dashboard.core"
    label = "core"

    def ready(self) -> None:
        from dashboard.core import pagecache
        from dashboard.core.adapter import adapter

        adapter.on_start(pagecache.attach)  # the list pages' change counter
