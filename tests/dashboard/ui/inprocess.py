"""An engine on the session's apiserver, installed as this process's dashboard engine.

Why one helper: the live-UI fixtures and the Gadget helper each built it by hand (stop
the adapter, build, attach the UI wiring, start, publish, wait, then undo it all), and a
failed wait left the engine running in both.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from typing import Any

from dashboard.core.runtime.adapter import adapter
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object
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


def cached_widget(kube: KubeHTTP, engine: Engine, namespace: str, name: str) -> dict[str, Any]:
    """A sample Widget created in ``namespace``, once ``engine`` has it in its cache."""
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"]["name"] = name
    created: dict[str, Any] = kube.request("POST", WIDGET.collection_path(namespace), body=obj)
    informer = engine.informer("demo.crscope.dev/widgets")
    assert informer is not None
    wait_until(
        lambda: informer.store.get(f"{namespace}/{name}") is not None,
        timeout=30,
        message=f"{namespace}/{name} cached",
    )
    return created
