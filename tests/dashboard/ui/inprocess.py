"""An engine on the session's apiserver, installed as this process's dashboard engine.

Why one helper: the live-UI fixtures and the Gadget helper each built it by hand (stop
the adapter, build, attach the UI wiring, start, publish, wait, then undo it all), and a
failed wait left the engine running in both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from dashboard.core.runtime.adapter import adapter
from devkit.controlplane import ControlPlane
from informers import Engine, EngineSettings, KubeClient, load_cluster_config
from tests.waiting import wait_until


@contextlib.contextmanager
def installed_engine(
    control_plane: ControlPlane,
    settings: EngineSettings,
    *,
    ready: Callable[[Engine], object],
    what: str = "engine synced",
) -> Iterator[Engine]:
    """An engine with the server's UI wiring (no database writers), published through
    ``adapter.engine`` once ``ready`` holds; stopped and unwired afterwards."""
    import dashboard.asgi  # noqa: F401 - the application under test (its start is a no-op)
    from dashboard import wiring

    adapter.stop()
    config = load_cluster_config(str(control_plane.kubeconfig_path("admin")))
    engine = Engine(KubeClient(config), settings)
    wiring.attach(engine, wiring.UI_PARTS)  # the server's wiring, without database writers
    engine.start()
    adapter.engine = engine
    try:
        wait_until(lambda: ready(engine), timeout=30, message=what)
        yield engine
    finally:
        adapter.engine = None
        engine.stop()
        wiring.detach()
