"""Collect core/v1 Events about watched custom resources.

Why: the apiserver forgets Events after an hour, which is exactly when someone asks "why
did this fail last night?". The engine turns each Event whose involvedObject is a watched
kind into an ``EventRecord``; the dashboard stores them beside revisions. An Event that
names an object outside its own namespace is dropped (``_same_namespace``), so readers can
trust a record's namespace and match Events to objects by namespace and uid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from informers.changes import EventListener, EventRecord
from informers.redaction import mask_text
from informers.timestamps import parse_time

#: (group, kind) -> kind key, supplied by the engine from its running informers.
KindLookup = Callable[[str, str], str | None]


def event_record(event: dict[str, Any], lookup: KindLookup) -> EventRecord | None:
    """The record for one Event, or None when it is not about a watched custom resource."""
    involved = event.get("involvedObject") or event.get("regarding")
    meta = event.get("metadata") or {}
    if not isinstance(involved, dict) or not isinstance(meta, dict):
        return None
    if not _same_namespace(meta, involved):
        return None
    api_version = str(involved.get("apiVersion", ""))
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    kind_key = lookup(group, str(involved.get("kind", "")))
    if kind_key is None:
        return None
    created = parse_time(meta.get("creationTimestamp")) or time.time()
    first = parse_time(event.get("firstTimestamp")) or parse_time(event.get("eventTime")) or created
    last = parse_time(event.get("lastTimestamp")) or parse_time(event.get("eventTime")) or first
    source = event.get("source") or {}
    count = event.get("count")
    return EventRecord(
        uid=str(meta.get("uid", "")),
        involved_uid=str(involved.get("uid", "")),
        kind=kind_key,
        namespace=involved.get("namespace") or None,
        name=str(involved.get("name", "")),
        type=str(event.get("type", "Normal")),
        reason=str(event.get("reason", "")),
        # stored and shown without the object around it: mask connection strings now
        message=mask_text(str(event.get("message") or event.get("note") or "")[:4000]),
        count=count if isinstance(count, int) else 1,
        first_seen=first,
        last_seen=last,
        source=str(source.get("component", "") if isinstance(source, dict) else "")
        or str(event.get("reportingComponent", "")),
        resource_version=str(meta.get("resourceVersion", "")),
    )


def _same_namespace(meta: dict[str, Any], involved: dict[str, Any]) -> bool:
    """Whether the Event lives in the namespace of the object it names.

    Why: creating Events is granted per namespace, and ``involvedObject`` is whatever the
    creator wrote; the apiserver does not compare the two namespaces for an Event with
    ``eventTime``. An Event in namespace B that names an object in A is not about it. An
    Event naming a cluster-scoped object has no involved namespace (Kubernetes keeps those
    in ``default`` or ``kube-system``); readers match it only to cluster-scoped objects.
    """
    involved_ns = involved.get("namespace") or ""
    return not involved_ns or involved_ns == (meta.get("namespace") or "")


class EventSink:
    """A ReflectorSink for core/v1 Events that forwards records about watched kinds."""

    def __init__(self, *, lookup: KindLookup, listeners: list[EventListener]) -> None:
        self._lookup = lookup
        self._listeners = listeners
        self.seen = 0

    def progress(self, loaded: int, total: int | None) -> None:
        return None

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        for obj in objects:
            self.apply("ADDED", obj)

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        if event_type == "DELETED":
            return  # TTL expiry: keeping the record is the point
        record = event_record(obj, self._lookup)
        if record is None:
            return
        self.seen += 1
        for listener in self._listeners:
            listener(record)
