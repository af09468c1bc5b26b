"""CRD discovery: keep one informer per served, selected custom resource kind.

Why: kinds come and go while the dashboard runs. A reflector on
CustomResourceDefinitions gives the same list/watch guarantees for the kind set as for the
objects, and this sink turns its events into start/stop calls, so no restart is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from informers.kinds import KindInfo, is_established, kind_from_crd

log = logging.getLogger(__name__)

CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


class KindRegistry:
    """A ReflectorSink for CRDs that reports which kinds to run."""

    def __init__(
        self,
        *,
        selected: Callable[[KindInfo], bool],
        on_start: Callable[[KindInfo], None],
        on_stop: Callable[[KindInfo], None],
    ) -> None:
        self._selected = selected
        self._on_start = on_start
        self._on_stop = on_stop
        self._running: dict[str, KindInfo] = {}

    def progress(self, loaded: int, total: int | None) -> None:
        return None

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        wanted: dict[str, KindInfo] = {}
        for crd in objects:
            kind = self._kind(crd)
            if kind is not None:
                wanted[_name(crd)] = kind
        for name in list(self._running):
            if name not in wanted:
                self._stop(name)
        for name, kind in wanted.items():
            self._ensure(name, kind)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        name = _name(obj)
        kind = None if event_type == "DELETED" else self._kind(obj)
        if kind is None:
            self._stop(name)
        else:
            self._ensure(name, kind)

    def _kind(self, crd: dict[str, Any]) -> KindInfo | None:
        if not is_established(crd) or (crd.get("metadata") or {}).get("deletionTimestamp"):
            return None
        kind = kind_from_crd(crd)
        return kind if kind is not None and self._selected(kind) else None

    def _ensure(self, name: str, kind: KindInfo) -> None:
        current = self._running.get(name)
        if current == kind:
            return
        if current is not None:
            self._stop(name)
        log.info("registry: watching %s %s", kind.key, kind.version)
        self._running[name] = kind
        self._on_start(kind)

    def _stop(self, name: str) -> None:
        kind = self._running.pop(name, None)
        if kind is not None:
            log.info("registry: no longer watching %s", kind.key)
            self._on_stop(kind)

    def kinds(self) -> list[KindInfo]:
        return list(self._running.values())


def _name(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))
