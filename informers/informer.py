"""One kind's informer: reflector + store + status + change fan-out.

Why: the reflector only knows raw events; this layer turns them into store entries with a
reconcile status, computes what changed and who changed it (from managedFields, before
stripping them), and hands one ``Change`` to the hub and to the history feed. It runs the
reflector on its own daemon thread so a slow HTTP read never blocks anything else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from informers.awaiting import AwaitingController, has_status
from informers.changes import Change, ChangeListener, ChangeType
from informers.clock import SYSTEM_CLOCK, Clock
from informers.diff import changed_paths, diff
from informers.gcpause import gc_paused
from informers.healthrules import KindRules, evaluate_status
from informers.kindfailure import KindFailure, past_grace, unlistable
from informers.kinds import KindInfo
from informers.listerwatcher import ListerWatcher, ResourceListerWatcher
from informers.listwatch import KubeClient
from informers.managedfields import ManagedSummary, managers_for_change, summarize
from informers.reflector import ListMode, Reflector
from informers.status import DEFAULT_FAILURE_REASONS, State, Status
from informers.store import Entry, Store, object_key, object_resource_version
from informers.timestamps import parse_time

log = logging.getLogger(__name__)

#: A change's managedFields summary and the managers credited with it.
Attribution = tuple[ManagedSummary, tuple[str, ...]]


_METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
_METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
METADATA_ONLY_STATUS = Status(
    State.UNKNOWN, "MetadataOnly", "this kind is cached as metadata only, without its status"
)


@dataclass
class SyncProgress:
    loaded: int = 0
    total: int | None = None


@dataclass(frozen=True, slots=True)
class InformerOptions:
    list_mode: ListMode = "auto"
    failure_reasons: frozenset[str] = DEFAULT_FAILURE_REASONS
    namespaces: frozenset[str] | None = None
    exclude_namespaces: frozenset[str] = frozenset()
    read_timeout: float = 100.0
    #: Cache only metadata (PartialObjectMetadata): a fraction of the memory for kinds too
    #: big to hold whole; the reconcile state is then Unknown unless the object is deleting.
    metadata_only: bool = False
    #: Seconds a 403, 404 or conversion failure must last before the kind is reported
    #: unavailable and readiness stops waiting for it (see ``informers.kindfailure``).
    failure_grace: float = 30.0


class Informer:
    def __init__(
        self,
        kind: KindInfo,
        *,
        client: KubeClient | None = None,
        lister_watcher: ListerWatcher | None = None,
        clock: Clock = SYSTEM_CLOCK,
        listeners: Iterable[ChangeListener],
        options: InformerOptions | None = None,
        rules: KindRules | None = None,
    ) -> None:
        self.kind = kind
        self.options = options or InformerOptions()
        #: this kind's health rules, selected once (swapped by ``use_rules`` on a reload)
        self.rules = rules if rules is not None else KindRules(kind.group, kind.kind)
        #: whether a bare object of this kind is "waiting for a controller" (learned)
        self.awaiting = AwaitingController(enabled=self._awaits(self.rules))
        self.store = Store()
        self.sync_progress = SyncProgress()
        self._listeners = list(listeners)
        self._managed: dict[str, ManagedSummary] = {}
        self._listed_managers: dict[str, ManagedSummary | _Attributed] = {}  # see _on_listed
        self._thread: threading.Thread | None = None
        self._bad_logged: set[str] = set()
        self.reflector = Reflector(
            lister_watcher=(
                lister_watcher if lister_watcher is not None else self._lister_watcher(client)
            ),
            sink=self,
            name=kind.key,
            clock=clock,
            list_mode=self.options.list_mode,
            on_listed=self._on_listed,
        )

    def _lister_watcher(self, client: KubeClient | None) -> ListerWatcher:
        """This kind's collection over ``client`` (tests pass a ``lister_watcher`` instead)."""
        if client is None:
            raise TypeError("Informer needs a client or a lister_watcher")
        metadata_only = self.options.metadata_only
        return ResourceListerWatcher(
            client,
            self.kind.collection_path(),
            accept=_METADATA_ACCEPT if metadata_only else "application/json",
            list_accept=_METADATA_LIST_ACCEPT if metadata_only else None,
            read_timeout=self.options.read_timeout,
        )

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.reflector.run, daemon=True, name=f"informer:{self.kind.key}"
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.reflector.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def synced(self) -> bool:
        return self.reflector.synced.is_set()

    def wait_synced(self, timeout: float) -> bool:
        return self.reflector.synced.wait(timeout)

    @property
    def unavailable(self) -> KindFailure | None:
        """Why this kind cannot be listed, once that has lasted past the grace period."""
        m = self.reflector.metrics
        failure = unlistable(
            status=m.failing_status, message=m.failing_message, since=m.failing_since
        )
        now = self.reflector.clock.time()
        return past_grace(failure, grace=self.options.failure_grace, now=now)

    # -- sink ------------------------------------------------------------------------------
    def progress(self, loaded: int, total: int | None) -> None:
        self.sync_progress.loaded, self.sync_progress.total = loaded, total

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        """A (re)list: swap the store, then emit ADDED/MODIFIED/tombstone DELETED changes."""
        now = self.reflector.clock.time()
        initial = not self.reflector.metrics.last_synced_at
        with gc_paused():
            pending: list[tuple[Entry, Entry | None, tuple[str, ...], Attribution]] = []
            entries: list[Entry] = []
            kept = [(obj, p) for obj in objects if (p := self._prepare(obj)) is not None]
            # Learned from the whole list before any object of it is evaluated, so that
            # no state depends on where in the list an object came (informers.awaiting).
            self.awaiting.recount(obj for obj, _ in kept)
            ended: list[Entry] = []  # names deleted and created again while unwatched
            for obj, (key, managed) in kept:
                old = self.store.get(key)
                if old is not None and _recreated(old, obj):
                    ended.append(old)
                    old = None
                if (
                    old is not None
                    and old.resource_version == object_resource_version(obj)
                    and not self.awaiting.outdated(old.obj, old.status)
                ):
                    entries.append(old)
                    continue
                if managed is None and old is not None and obj is old.obj:
                    # the cached object itself (_on_listed), re-evaluated: keep its summary
                    managed = self._managed.get(key)
                entry = self._entry(key, obj, old, now)
                entries.append(entry)
                # a changed object's paths were found when it was listed (_on_listed)
                paths = managed.paths if isinstance(managed, _Attributed) else _paths(old, entry)
                pending.append((entry, old, paths, self._attribute(key, managed, old, paths)))
            dropped = self.store.replace(entries)
        self.sync_progress.loaded = len(entries)
        self.sync_progress.total = len(entries)
        for gone_entry in ended:
            self._emit(
                ChangeType.DELETED, gone_entry.key, gone_entry, None, now, (), tombstone=True
            )
        for entry, old, paths, (summary, managers) in pending:
            kind = ChangeType.ADDED if old is None else ChangeType.MODIFIED
            self._emit(
                kind,
                entry.key,
                old,
                entry,
                now,
                managers,
                paths=paths,
                managed=summary,
                initial=initial,
            )
        self._listed_managers.clear()  # of objects the list had but _prepare refused
        for key, old in dropped.items():
            self._managed.pop(key, None)
            self._emit(ChangeType.DELETED, key, old, None, now, (), tombstone=True)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        prepared = self._prepare(obj)
        if prepared is None:
            return
        key, managed = prepared
        now = self.reflector.clock.time()
        if event_type == "DELETED":
            old = self.store.delete(key)
            self._managed.pop(key, None)
            learned_changed = self.awaiting.update(old.obj if old is not None else None, None)
            last = self._entry(key, obj, old, now)
            self._emit(ChangeType.DELETED, key, old or last, None, now, ())
        else:
            old = self.store.get(key)
            learned_changed = False
            if old is not None and _recreated(old, obj):
                learned_changed = self.awaiting.update(old.obj, None)
                self._emit(ChangeType.DELETED, key, old, None, now, (), tombstone=True)
                old = None
            learned_changed |= self.awaiting.update(old.obj if old is not None else None, obj)
            entry = self._entry(key, obj, old, now)
            self.store.put(entry)
            paths = _paths(old, entry)
            summary, managers = self._attribute(key, managed, old, paths)
            change_type = ChangeType.ADDED if old is None else ChangeType.MODIFIED
            self._emit(change_type, key, old, entry, now, managers, paths=paths, managed=summary)
        if learned_changed:
            self._reevaluate(e for e in self.store.list() if not has_status(e.obj))

    # -- helpers ---------------------------------------------------------------------------
    def _on_listed(self, obj: dict[str, Any]) -> dict[str, Any]:
        """What the (re)list keeps of a listed object, decided as soon as it is parsed.

        A new key: the object without its managedFields, of which only the summary that
        names its field managers is kept. Why here and not in ``replace``: stripped after
        the whole list was collected, the freed field trees (over half of each parsed
        object) left holes between the objects that stay, and RSS kept them.

        A cached key at the same resourceVersion (most of a relist after a 410): the cached
        object itself, so the parsed copy is freed at once instead of doubling the cache
        until the list is complete (a relist at 50k objects peaked at 2.5x steady RSS).
        ``replace`` keeps such entries as they are anyway.

        A cached key at another version (a relist after many changes): who changed what
        is decided now, against the cached version, with the managedFields that tell it;
        then they go too, so the changed objects of a long list are not held with their
        field trees until it completes. ``replace`` compares the same two versions.
        """
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            return obj
        key = object_key(obj)
        cached = self.store.get(key)
        if cached is None:
            if "managedFields" in meta:
                self._listed_managers[key] = summarize(meta.pop("managedFields"))
            return obj
        if _recreated(cached, obj):
            return obj  # another object under the name: ``replace`` ends the old one first
        if cached.resource_version == str(meta.get("resourceVersion", "")):
            # Entries are never mutated once stored, and parsed objects are dicts.
            return cast(dict[str, Any], cached.obj)
        if "managedFields" in meta:
            managed = meta.pop("managedFields")
            paths = tuple(changed_paths(diff(cached.obj, obj)))
            summary, managers = _attribution(self._managed.get(key), managed, paths)
            self._listed_managers[key] = _Attributed(summary, managers, paths)
        return obj

    def _prepare(self, obj: dict[str, Any]) -> tuple[str, Any] | None:
        meta = obj.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            self._log_bad(repr(obj)[:200], "object without metadata.name")
            return None
        if not self._namespace_allowed(meta.get("namespace")):
            return None
        key = object_key(obj)
        managed = meta.pop("managedFields", None)
        if managed is None:
            managed = self._listed_managers.pop(key, None)
        return key, managed

    def _namespace_allowed(self, namespace: Any) -> bool:
        if not namespace:
            return True
        if namespace in self.options.exclude_namespaces:
            return False
        allowed = self.options.namespaces
        return allowed is None or namespace in allowed

    def status_of(self, obj: Mapping[str, Any]) -> Status:
        """The state of an object of this kind: Terminating, then the kind's health rules,
        then the generic rules (``informers.healthrules.evaluate_status``)."""
        return self._status(obj, self.rules, self.awaiting)

    def status_under(self, obj: Mapping[str, Any], rules: KindRules) -> Status:
        """The state ``obj`` would have if ``rules`` were in force for this kind: the same
        evaluation as ``status_of``, with the kind's learned "waiting for a controller"
        tally switched as ``rules`` say. For the rule tester's draft."""
        return self._status(obj, rules, self.awaiting.under(enabled=self._awaits(rules)))

    def _status(
        self, obj: Mapping[str, Any], rules: KindRules, awaiting: AwaitingController
    ) -> Status:
        status = evaluate_status(obj, rules, failure_reasons=self.options.failure_reasons)
        if self.options.metadata_only and status.state != State.TERMINATING:
            return METADATA_ONLY_STATUS
        return awaiting.adjust(obj, status)

    def use_rules(self, rules: KindRules) -> int:
        """Switch to new health rules and re-evaluate every cached object.

        Objects whose state changed are stored and published like any change (with no
        changed paths: the object is the same, its reading is not). Returns how many.
        An object the reflector replaces meanwhile keeps the reflector's entry, which was
        evaluated with the new rules or is re-evaluated by its next event.
        """
        self.rules = rules
        self.awaiting.enabled = self._awaits(rules)
        return self._reevaluate(self.store.list())

    def _reevaluate(self, entries: Iterable[Entry]) -> int:
        """Re-evaluate cached entries; store and publish those whose state changed."""
        now = self.reflector.clock.time()
        changed = 0
        for old in entries:
            status = self.status_of(old.obj)
            if status == old.status:
                continue
            since = old.since if status.state == old.status.state else now
            entry = Entry(key=old.key, obj=old.obj, status=status, since=since)
            if not self.store.swap(old, entry):
                continue
            changed += 1
            self._emit(ChangeType.MODIFIED, old.key, old, entry, now, ())
        return changed

    def _awaits(self, rules: KindRules) -> bool:
        # Metadata-only kinds are cached without their status: no object would have one.
        return rules.await_controller and not self.options.metadata_only

    def _entry(self, key: str, obj: Mapping[str, Any], old: Entry | None, now: float) -> Entry:
        status = self.status_of(obj)
        if status.state == State.UNKNOWN and not self.options.metadata_only:
            self._log_bad(key, status.reason)
        if old is not None and old.status.state == status.state:
            since = old.since
        elif old is None:
            since = _since_from_object(obj, status, now)
        else:
            since = now
        return Entry(key=key, obj=obj, status=status, since=since)

    def _attribute(
        self, key: str, managed: Any, old: Entry | None, paths: tuple[str, ...]
    ) -> Attribution:
        """The new managedFields summary and who made the change (``managers_for_change``).

        ``managed`` is the object's managedFields, or only its summary, or the whole
        attribution, when the list was stripped early (``_on_listed``); the summary
        replaces the one kept for the key.
        """
        if isinstance(managed, _Attributed):
            summary, managers = managed.summary, managed.managers
        else:
            previous = self._managed.get(key) if old is not None else {}
            summary, managers = _attribution(previous, managed, paths)
        self._managed[key] = summary
        return summary, managers

    def _emit(
        self,
        change_type: ChangeType,
        key: str,
        old: Entry | None,
        new: Entry | None,
        now: float,
        managers: tuple[str, ...],
        *,
        paths: tuple[str, ...] = (),
        managed: ManagedSummary | None = None,
        tombstone: bool = False,
        initial: bool = False,
    ) -> None:
        change = Change(
            kind=self.kind.key,
            type=change_type,
            key=key,
            old=old,
            new=new,
            observed=now,
            managers=managers,
            changed_paths=paths,
            managed=managed,
            tombstone=tombstone,
            initial=initial,
        )
        for listener in self._listeners:
            try:
                listener(change)
            except Exception:
                log.exception("informer %s: a change listener failed", self.kind.key)

    def _log_bad(self, identity: str, reason: str) -> None:
        if identity in self._bad_logged:
            return
        if len(self._bad_logged) < 10_000:
            self._bad_logged.add(identity)
        log.warning("informer %s: %s: %s", self.kind.key, identity, reason)


@dataclass(frozen=True)
class _Attributed:
    """A listed object's attribution, decided when it was parsed (``_on_listed``), and
    the changed paths it was decided on (``replace`` compares the same two versions)."""

    summary: ManagedSummary
    managers: tuple[str, ...]
    paths: tuple[str, ...]


def _attribution(
    previous: ManagedSummary | None, managed: Any, paths: tuple[str, ...]
) -> Attribution:
    """The summary of ``managed`` (managedFields, or already a summary) and the managers
    of the change from the version summarized by ``previous`` (None: unknown, {}: new)."""
    summary = managed if isinstance(managed, dict) else summarize(managed)
    managers = managers_for_change(
        previous, summary, paths, managed_fields=managed if isinstance(managed, list) else None
    )
    return summary, tuple(managers)


def _recreated(old: Entry, obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` is another object under ``old``'s name: deleted and created again
    while no watch said so (a relist after a 410 or a dropped stream). Two objects, so
    the old one's history must end and the new one's begin, not read as one update."""
    meta = obj.get("metadata")
    uid = meta.get("uid") if isinstance(meta, Mapping) else None
    return bool(old.uid) and bool(uid) and uid != old.uid


def _paths(old: Entry | None, new: Entry) -> tuple[str, ...]:
    """Changed paths (noise hidden), computed once per change for history and managers."""
    return tuple(changed_paths(diff(old.obj, new.obj))) if old is not None else ()


def _since_from_object(obj: Mapping[str, Any], status: Status, now: float) -> float:
    """At first sight, date the state from the object itself so 'stuck' survives restarts."""
    meta = obj.get("metadata") or {}
    if status.state == State.TERMINATING:
        stamp = parse_time(meta.get("deletionTimestamp"))
        return stamp if stamp is not None else now
    conditions = (
        (obj.get("status") or {}).get("conditions")
        if isinstance(obj.get("status"), Mapping)
        else None
    )
    stamps = [
        t
        for c in conditions or []
        if isinstance(c, Mapping) and (t := parse_time(c.get("lastTransitionTime"))) is not None
    ]
    created = parse_time(meta.get("creationTimestamp"))
    best = max(stamps) if stamps else created
    return min(best, now) if best is not None else now
