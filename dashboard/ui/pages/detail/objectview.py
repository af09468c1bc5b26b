"""What the detail page shows about one object: header facts, conditions, owners, metadata.

Why a module apart from the view: the live feed re-renders the same sections after each
change, and a deleted object is rendered from its last history row through the same path.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.core.auth.redactor import redactor
from dashboard.core.rules.why import shown_inputs
from dashboard.core.runtime.adapter import adapter
from dashboard.core.web import links
from dashboard.ui.yamlview import dump, highlight
from informers import Engine, Entry, KindInfo, Status, parse_time

LONG_VALUE = 120


#: The highlighted YAML (HTML) inlined in the page and its live pushes, at most: well
#: under the 1 MiB WebSocket message limit (see dashboard.ui.live.framing).
YAML_INLINE_BYTES = 256 * 1024
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str
    message: str
    observed_generation: Any
    stale: bool
    last_transition: float | None


@dataclass(frozen=True)
class Owner:
    kind: str
    name: str
    api_version: str
    controller: bool
    url: str | None


@dataclass(frozen=True)
class MetaItem:
    key: str
    value: str
    long: bool


@dataclass(frozen=True)
class ObjectView:
    """Everything the detail sections render; ``deleted_at`` is set for a gone object."""

    kind: KindInfo
    entry: Entry
    stuck: bool
    deleted_at: float | None
    conditions: list[Condition]
    owners: list[Owner]
    labels: list[MetaItem]
    annotations: list[MetaItem]
    finalizers: list[str]
    generation: Any
    observed_generation: Any
    created: float | None
    yaml: str

    @property
    def url(self) -> str:
        return links.object_url(self.kind, self.entry.namespace, self.entry.name)

    @property
    def diff_url(self) -> str:
        return links.diff_url(self.kind, self.entry.namespace, self.entry.name)

    @property
    def timeline_url(self) -> str:
        return links.timeline_url(self.kind, self.entry.namespace, self.entry.name)

    @property
    def yaml_url(self) -> str:
        return links.yaml_url(self.kind, self.entry.namespace, self.entry.name)

    @property
    def yaml_bytes(self) -> int:
        return len(self.yaml.encode("utf-8"))

    @property
    def yaml_text_bytes(self) -> int:
        """The size of the YAML as text (what a person would download), not as markup."""
        return len(html.unescape(_TAGS.sub("", self.yaml)).encode("utf-8"))

    @property
    def why_inputs(self) -> list[tuple[str, str]]:
        """The values the deciding rule read, redacted, each as JSON text."""
        return [(name, _json(value)) for name, value in shown_inputs(self.entry.status).items()]

    @property
    def yaml_lazy(self) -> bool:
        """Too big to inline: the page (and every live push of it) shows a button that
        fetches the text over HTTP, so no WebSocket message has to carry it."""
        return self.yaml_bytes > YAML_INLINE_BYTES


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False) if value is not None else ""


def conditions(obj: Mapping[str, Any], generation: Any) -> list[Condition]:
    status = obj.get("status")
    raw = status.get("conditions") if isinstance(status, Mapping) else None
    if not isinstance(raw, list):
        return []
    result = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        observed = item.get("observedGeneration")
        stale = isinstance(observed, int) and isinstance(generation, int) and observed < generation
        result.append(
            Condition(
                type=_text(item.get("type")),
                status=_text(item.get("status")),
                reason=_text(item.get("reason")),
                message=_text(item.get("message")),
                observed_generation=observed,
                stale=stale,
                last_transition=parse_time(item.get("lastTransitionTime")),
            )
        )
    return result


def owners(engine: Engine | None, meta: Mapping[str, Any], namespace: str | None) -> list[Owner]:
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list):
        return []
    result = []
    for ref in refs:
        if not isinstance(ref, Mapping):
            continue
        api_version = _text(ref.get("apiVersion"))
        group = api_version.split("/", 1)[0] if "/" in api_version else ""
        kind_name, name = _text(ref.get("kind")), _text(ref.get("name"))
        url = None
        key = engine.lookup_kind(group, kind_name) if engine is not None else None
        informer = engine.informer(key) if engine is not None and key else None
        if informer is not None:
            url = links.object_url(informer.kind, namespace, name)
        result.append(
            Owner(
                kind=kind_name,
                name=name,
                api_version=api_version,
                controller=ref.get("controller") is True,
                url=url,
            )
        )
    return result


def _items(mapping: Any) -> list[MetaItem]:
    if not isinstance(mapping, Mapping):
        return []
    return [
        MetaItem(key=str(k), value=_text(v), long=len(_text(v)) > LONG_VALUE)
        for k, v in sorted(mapping.items(), key=lambda kv: str(kv[0]))
    ]


def build(
    engine: Engine | None,
    kind: KindInfo,
    entry: Entry,
    *,
    deleted_at: float | None = None,
    now: float | None = None,
) -> ObjectView:
    now = time.time() if now is None else now
    shown = redactor.redact(dict(entry.obj))
    meta = shown.get("metadata") if isinstance(shown, dict) else None
    meta = meta if isinstance(meta, Mapping) else {}
    status = shown.get("status") if isinstance(shown, dict) else None
    generation = meta.get("generation")
    threshold = engine.settings.stuck_threshold(kind.key) if engine is not None else 600.0
    finalizers = meta.get("finalizers")
    return ObjectView(
        kind=kind,
        entry=entry,
        stuck=deleted_at is None and entry.stuck(now, threshold),
        deleted_at=deleted_at,
        conditions=conditions(shown, generation),
        owners=owners(engine, meta, entry.namespace),
        labels=_items(meta.get("labels")),
        annotations=_items(meta.get("annotations")),
        finalizers=[str(f) for f in finalizers] if isinstance(finalizers, list) else [],
        generation=generation,
        observed_generation=status.get("observedGeneration")
        if isinstance(status, Mapping)
        else None,
        created=parse_time(meta.get("creationTimestamp")),
        yaml=highlight(dump(entry.obj)),
    )


def entry_from_body(key: str, body: Mapping[str, Any], since: float) -> Entry:
    """An Entry rebuilt from a history row, for an object that no longer exists."""
    status: Status = adapter.status_of(body)
    return Entry(key=key, obj=body, status=status, since=since)
