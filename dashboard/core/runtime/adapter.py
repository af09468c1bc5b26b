"""The one place where the dashboard meets ``informers``: it owns the engine's lifetime.

Why a single adapter: views, consumers, the API and the history writer must all read the
same engine, started once per server process, and must keep working (showing a clear
reason) when the cluster is unreachable or the kubeconfig is bad.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings

from informers import (
    ClusterConfig,
    ConfigError,
    Engine,
    EngineSettings,
    KubeClient,
    Status,
    evaluate_status,
    load_cluster_config,
    shipped_rules,
)

log = logging.getLogger(__name__)


class EngineAdapter:
    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.error: str | None = None
        self.cluster_name = ""
        self._lock = threading.Lock()
        self._started = False
        self._on_stop: Callable[[], None] | None = None

    def status_of(self, obj: Mapping[str, Any]) -> Status:
        """The state of an object that is not in a store (a deleted object's last revision,
        a sample): the running engine's rules for its kind, or the shipped pack without one.
        """
        engine = self.engine
        if engine is not None:
            return engine.status_of(obj)
        return evaluate_status(obj, shipped_rules().for_object(obj))

    def start(
        self,
        *,
        config: ClusterConfig | None = None,
        engine_settings: EngineSettings | None = None,
        on_start: Callable[[Engine], None] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> Engine | None:
        """Build and start the engine once. ``on_start`` runs after it is built and before
        it starts (to attach listeners: ``dashboard.wiring``); ``on_stop`` after it stops."""
        with self._lock:
            if self._started:
                return self.engine
            self._started = True
            try:
                config = config or load_cluster_config(settings.CRSCOPE_KUBECONFIG)
            except ConfigError as exc:
                self.error = f"no usable cluster configuration: {exc}"
                log.error("%s", self.error)
                return None
            self.cluster_name = settings.CRSCOPE_CLUSTER_NAME or config.name
            engine = Engine(KubeClient(config), engine_settings or EngineSettings.from_env())
            if on_start is not None:
                on_start(engine)
            self._on_stop = on_stop
            engine.start()
            self.engine = engine
            self.error = None
            return engine

    def stop(self) -> None:
        with self._lock:
            if self.engine is not None:
                self.engine.stop()
            hook, self._on_stop = self._on_stop, None
            if hook is not None:
                try:
                    hook()
                except Exception:
                    log.exception("adapter: the stop hook failed")
            self.engine = None
            self._started = False


adapter = EngineAdapter()
