"""Start the engine and its consumers (history writer, live fan-out) in a server process.

Why separate from the adapter: the adapter knows nothing of history or the UI; this module
wires them together once, and tests call the same function with their own settings.
"""

from __future__ import annotations

import atexit

from django.conf import settings

from dashboard.core.adapter import adapter
from dashboard.history.writer import HistoryWriter
from dashboard.notify.service import service as notify_service
from informers import ClusterConfig, Engine, EngineSettings

writer = HistoryWriter()


def _attach(engine: Engine) -> None:
    writer.attach(engine)
    writer.start()


adapter.on_start(_attach)
adapter.on_stop(writer.stop)
adapter.on_start(notify_service.attach_and_start)
adapter.on_stop(notify_service.stop)


def start_engine(
    *,
    config: ClusterConfig | None = None,
    engine_settings: EngineSettings | None = None,
    force: bool = False,
) -> None:
    if settings.CRSCOPE_ENGINE == "off" and not force:
        return
    adapter.start(config=config, engine_settings=engine_settings)
    atexit.register(adapter.stop)
