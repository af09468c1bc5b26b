"""The engine: discovery, one informer per kind, Events, and the change hub, for one cluster.

Why one orchestrator: the dashboard (and benchmarks, and tests) should start and stop a
whole cluster's worth of watching with two calls, and read everything through one object.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from informers.changes import Change, ChangeListener, EventListener, EventRecord
from informers.events import EventSink
from informers.fanout import Hub
from informers.healthrules import (
    HealthRulesSource,
    HealthRulesStatus,
    KindRules,
    evaluate_status,
    group_kind,
)
from informers.informer import Informer, InformerOptions
from informers.kinds import KindInfo
from informers.listerwatcher import ListerWatcher, ResourceListerWatcher
from informers.listwatch import KubeClient
from informers.reflector import Reflector
from informers.registry import CRD_PATH, KindRegistry
from informers.settings import EngineSettings
from informers.status import Status
from informers.store import Entry

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the engine can answer truthfully, and why not.

    ``reasons`` name kinds (for logs and people who may see them); ``summary`` says the
    same without naming any, for an unauthenticated probe. ``unavailable`` lists the
    kinds readiness no longer waits for (``informers.kindfailure``), as "key: reason".
    """

    ready: bool
    reasons: tuple[str, ...]
    summary: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()


class Engine:
    def __init__(
        self,
        client: KubeClient,
        settings: EngineSettings | None = None,
        *,
        source: Callable[[str], ListerWatcher] | None = None,
    ) -> None:
        """``source`` gives the ListerWatcher for a collection path (CRDs, Events, each
        kind); by default one over ``client``. Tests pass fakes (``informers.testing``)."""
        self.client = client
        self._source = source
        # The kind's health rule may set its stuck threshold (``stuckAfter``); settings ask
        # the engine, so every reader of ``settings.stuck_threshold`` sees it.
        self.settings = replace(
            settings or EngineSettings(), rule_stuck_after=self._rule_stuck_after
        )
        self.hub = Hub()
        self.health_rules = HealthRulesSource(
            self.settings.health_rules_path,
            reload_seconds=self.settings.health_rules_reload_seconds,
        )
        self.health_rules.load()
        self._stopping = threading.Event()
        self._lock = threading.RLock()
        self._informers: dict[str, Informer] = {}
        self._kind_listeners: list[Callable[[], None]] = []
        self._by_group_kind: dict[tuple[str, str], str] = {}
        self._threads: list[threading.Thread] = []
        self.registry = KindRegistry(
            selected=self._selected, on_start=self._start_kind, on_stop=self._stop_kind
        )
        self._crd_reflector = Reflector(
            lister_watcher=self._lister_watcher(CRD_PATH),
            sink=self.registry,
            name="crds",
            list_mode=self.settings.list_mode,
        )
        self._event_reflectors = self._make_event_reflectors()
        self.started_at = 0.0

    # -- listeners (register before start) -------------------------------------------------
    def add_change_listener(self, listener: ChangeListener) -> None:
        """Call ``listener`` with every change, from the first list on (``Hub.listen``)."""
        self.hub.listen(on_change=listener)

    def add_event_listener(self, listener: EventListener) -> None:
        """Call ``listener`` with every Event about a watched object (``Hub.listen``)."""
        self.hub.listen(on_event=listener)

    def add_kinds_listener(self, listener: Callable[[], None]) -> None:
        """Called (on a reader thread) whenever the set of watched kinds changes."""
        self._kind_listeners.append(listener)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.started_at = time.time()
        if self.health_rules.path:
            self._spawn(self._watch_health_rules, "health-rules")
        self._spawn(self._crd_reflector.run, "reflector:crds")
        if self._event_reflectors:
            self._spawn(self._start_events, "events-starter")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, daemon=True, name=name)
        thread.start()
        self._threads.append(thread)

    def _start_events(self) -> None:
        # Events are matched to kinds by lookup, so they start once the kinds are known.
        while not self._crd_reflector.stopped:
            if self._crd_reflector.synced.wait(0.5):
                break
        for reflector in self._event_reflectors:
            if not self._crd_reflector.stopped:
                self._spawn(reflector.run, f"reflector:{reflector.name}")

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        for reflector in [self._crd_reflector, *self._event_reflectors]:
            reflector.stop()
        with self._lock:
            informers = list(self._informers.values())
            self._informers.clear()
        for informer in informers:
            informer.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)

    # -- reads -----------------------------------------------------------------------------
    def kinds(self) -> list[KindInfo]:
        with self._lock:
            return sorted(
                (i.kind for i in self._informers.values()), key=lambda k: (k.group, k.kind)
            )

    def informer(self, key: str) -> Informer | None:
        with self._lock:
            return self._informers.get(key)

    def informers(self) -> list[Informer]:
        with self._lock:
            return list(self._informers.values())

    def kinds_listed(self) -> bool:
        """True once the CRDs have been listed: until then, no kind is known to be absent."""
        return self._crd_reflector.synced.is_set()

    def readiness(self) -> Readiness:
        """Ready once the CRDs are listed and every kind has synced, except kinds that
        cannot be listed past the grace period: those are reported, not waited for."""
        reasons, summary, unavailable = [], [], []
        if not self.kinds_listed():
            err = self._crd_reflector.metrics.last_error
            reasons.append("CustomResourceDefinitions not synced" + (f": {err}" if err else ""))
            summary.append("the Kubernetes API has not been listed yet")
        syncing = 0
        for informer in self.informers():
            if informer.synced:
                continue
            failure = informer.unavailable
            if failure is not None:
                unavailable.append(f"{informer.kind.key}: {failure.reason}")
                continue
            syncing += 1
            p = informer.sync_progress
            total = f" of {p.total}" if p.total is not None else ""
            reasons.append(f"{informer.kind.key} syncing ({p.loaded}{total})")
        if syncing:
            summary.append(f"{syncing} kind{'s' if syncing != 1 else ''} still syncing")
        return Readiness(
            ready=not reasons,
            reasons=tuple(reasons),
            summary=tuple(summary),
            unavailable=tuple(unavailable),
        )

    def wait_synced(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.readiness().ready:
                return True
            time.sleep(0.05)
        return False

    def lookup_kind(self, group: str, kind: str) -> str | None:
        return self._by_group_kind.get((group, kind))

    def children(self, owner_uid: str) -> list[tuple[Informer, Entry]]:
        """The cached objects of every watched kind whose ownerReferences name
        ``owner_uid``: one index lookup per kind (each store indexes by owner uid), then
        O(children); no object is scanned."""
        return [(i, e) for i in self.informers() for e in i.store.children_of(owner_uid)]

    def metrics(self) -> dict[str, Any]:
        result: dict[str, Any] = {"kinds": {}, "crds": vars(self._crd_reflector.metrics).copy()}
        for informer in self.informers():
            m = vars(informer.reflector.metrics).copy()
            m["objects"] = len(informer.store)
            m["synced"] = informer.synced
            failure = informer.unavailable
            m["unavailable"] = failure.reason if failure is not None else ""
            result["kinds"][informer.kind.key] = m
        result["subscriptions"] = [
            {"depth": s.depth, **vars(s.stats)} for s in self.hub.subscriptions()
        ]
        return result

    # -- health rules ----------------------------------------------------------------------
    def kind_rules(self, group: str, kind: str) -> KindRules:
        """The health rules in force for a kind (user rules, then the shipped pack)."""
        return self.health_rules.current.for_kind(group, kind)

    def status_of(self, obj: Mapping[str, Any]) -> Status:
        """An object's state under the rules in force for its kind (from its apiVersion
        and kind): for objects that are not in a store, such as a deleted object's last
        revision or a sample in a rule tester."""
        key = self._by_group_kind.get(_group_kind(obj))
        informer = self.informer(key) if key is not None else None
        if informer is not None:
            return informer.status_of(obj)
        return evaluate_status(
            obj,
            self.health_rules.current.for_object(obj),
            failure_reasons=self.settings.failure_reasons,
        )

    def health_rules_status(self) -> HealthRulesStatus:
        """The rules file's path, when it was last loaded, its error (field and position)
        if the last attempt failed, and the names of the rules in force."""
        return self.health_rules.status()

    def reload_health_rules(self) -> int:
        """Load the rules file now and re-evaluate the kinds whose rules changed; returns
        how many cached objects changed state. A bad file changes nothing."""
        if not self.health_rules.load():
            return 0
        return self._apply_health_rules()

    def _watch_health_rules(self) -> None:
        period = max(0.05, self.health_rules.reload_seconds)  # 0 would spin
        while not self._stopping.wait(period):
            try:
                if self.health_rules.maybe_reload():
                    self._apply_health_rules()
            except Exception:
                log.exception("engine: reloading the health rules failed")

    def _apply_health_rules(self) -> int:
        changed = 0
        for informer in self.informers():
            rules = self.kind_rules(informer.kind.group, informer.kind.kind)
            if _same_rules(informer.rules, rules):
                continue
            changed += informer.use_rules(rules)
        if changed:
            log.info("health rules: %s cached objects changed state", changed)
        return changed

    def _rule_stuck_after(self, kind_key: str) -> float | None:
        informer = self.informer(kind_key)
        return informer.rules.stuck_after if informer is not None else None

    # -- internals -------------------------------------------------------------------------
    def _lister_watcher(self, path: str) -> ListerWatcher:
        if self._source is not None:
            return self._source(path)
        return ResourceListerWatcher(self.client, path, read_timeout=self.settings.read_timeout)

    def _selected(self, kind: KindInfo) -> bool:
        return self.settings.watches(group=kind.group, kind=kind.kind)

    def _options(self, kind: KindInfo) -> InformerOptions:
        s = self.settings
        return InformerOptions(
            list_mode=s.list_mode,
            failure_reasons=s.failure_reasons,
            namespaces=frozenset(s.namespaces) if s.namespaces else None,
            exclude_namespaces=frozenset(s.exclude_namespaces),
            read_timeout=s.read_timeout,
            metadata_only=s.metadata_only(group=kind.group, kind=kind.kind, plural=kind.plural),
            failure_grace=s.failure_grace,
        )

    def _start_kind(self, kind: KindInfo) -> None:
        informer = Informer(
            kind,
            client=self.client,
            # None: the informer reads over the client, in the kind's media types
            lister_watcher=self._source(kind.collection_path()) if self._source else None,
            listeners=[self._on_change],
            options=self._options(kind),
            rules=self.kind_rules(kind.group, kind.kind),
        )
        with self._lock:
            previous = self._informers.get(kind.key)
            self._informers[kind.key] = informer
            self._by_group_kind[(kind.group, kind.kind)] = kind.key
        if previous is not None:
            previous.stop()
        informer.start()
        self._kinds_changed()

    def _stop_kind(self, kind: KindInfo) -> None:
        with self._lock:
            informer = self._informers.pop(kind.key, None)
            self._by_group_kind.pop((kind.group, kind.kind), None)
        if informer is not None:
            informer.stop()
        self._kinds_changed()

    def _kinds_changed(self) -> None:
        for listener in self._kind_listeners:
            try:
                listener()
            except Exception:
                log.exception("engine: a kinds listener failed")

    def _on_change(self, change: Change) -> None:
        self.hub.publish(change)

    def _on_event(self, record: EventRecord) -> None:
        self.hub.publish_event(record)

    def _make_event_reflectors(self) -> list[Reflector]:
        scope = self.settings.events
        if scope == "off":
            return []
        sink = EventSink(lookup=self.lookup_kind, listeners=[self._on_event])
        paths = (
            ["/api/v1/events"]
            if scope == "all" or not self.settings.namespaces
            else [f"/api/v1/namespaces/{ns}/events" for ns in self.settings.namespaces]
        )
        return [
            Reflector(
                lister_watcher=self._lister_watcher(p),
                sink=sink,
                name=f"events:{p}",
                list_mode=self.settings.list_mode,
            )
            for p in paths
        ]


def _same_rules(old: KindRules, new: KindRules) -> bool:
    """Rules are compared by identity: the shipped pack is parsed once, so only kinds a
    reloaded user rule matches (before or after) are re-evaluated."""
    return len(old.rules) == len(new.rules) and all(
        a is b for a, b in zip(old.rules, new.rules, strict=True)
    )


def _group_kind(obj: Mapping[str, Any]) -> tuple[str, str]:
    return group_kind(obj) if isinstance(obj, Mapping) else ("", "")
