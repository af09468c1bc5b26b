"""Evaluating the rules against a sample change, for the API's rule tester.

Why the real matching code on made-up entries: what the tester says must be what the
pipeline does. The sample objects get their state from the same health rules as cached
objects (the engine's rules for the object's kind), and the preview body is built by the
same payload code the sender uses.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from dashboard.core.runtime.adapter import adapter
from dashboard.notify.dispatcher import notification_row, occurrence_row
from dashboard.notify.matching import Hit, match_change, match_event, match_stuck
from dashboard.notify.models import SEALED
from dashboard.notify.payloads import webhook_payload
from dashboard.notify.rules import RuleSet
from dashboard.notify.schemas import SampleIn
from informers import (
    Change,
    ChangeType,
    Entry,
    EventRecord,
    changed_paths,
    diff_objects,
    object_key,
)


class SampleError(ValueError):
    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def _entry(obj: Mapping[str, Any] | None, param: str, now: float) -> Entry | None:
    if obj is None:
        return None
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str) or not meta["name"]:
        raise SampleError(param, "the object needs metadata.name")
    return Entry(key=object_key(obj), obj=obj, status=adapter.status_of(obj), since=now)


def evaluate(ruleset: RuleSet, sample: SampleIn, *, public_url: str) -> list[dict[str, Any]]:
    if sample.kind.count("/") != 1 or not all(sample.kind.split("/")):
        raise SampleError("kind", "must be group/plural, e.g. example.com/widgets")
    now = time.time()
    old = _entry(sample.old, "old", now)
    new = _entry(sample.new, "new", now)
    rules = ruleset.rules
    if sample.event is not None or sample.stuck:
        target = new or old
        if target is None:
            raise SampleError("new", "give the object in new")
        if sample.event is None:
            hits = match_stuck(rules, sample.kind, target, now)
        else:
            event = sample.event
            record = EventRecord(
                uid="sample",
                involved_uid=target.uid,
                kind=sample.kind,
                namespace=target.namespace,
                name=target.name,
                type=event.type,
                reason=event.reason,
                message=event.message,
                count=event.count,
                first_seen=now,
                last_seen=now,
                source="sample",
                resource_version="",
            )
            hits = match_event(rules, record, target)
    else:
        hits = match_change(rules, _change(sample, old, new, now))
    return [_view(hit, now, public_url) for hit in hits]


def _change(sample: SampleIn, old: Entry | None, new: Entry | None, now: float) -> Change:
    kind = ChangeType(sample.type)
    if kind is not ChangeType.DELETED and new is None:
        raise SampleError("new", f"a {kind.value} sample needs the object in new")
    if kind is not ChangeType.ADDED and old is None:
        raise SampleError("old", f"a {kind.value} sample needs the object in old")
    if kind is ChangeType.ADDED:
        old = None
    if kind is ChangeType.DELETED:
        new = None
    paths: tuple[str, ...] = ()
    if old is not None and new is not None:
        paths = tuple(changed_paths(diff_objects(old.obj, new.obj)))
    entry = new or old
    assert entry is not None
    return Change(
        kind=sample.kind,
        type=kind,
        key=entry.key,
        old=old,
        new=new,
        observed=now,
        changed_paths=paths,
    )


def _view(hit: Hit, now: float, public_url: str) -> dict[str, Any]:
    rule = hit.rule
    notification = notification_row(hit, now, status=SEALED, due=now + rule.debounce)
    payload = webhook_payload(
        notification, [occurrence_row(hit, notification)], public_url=public_url
    )
    return {
        "rule": rule.name,
        "trigger": rule.trigger.type.value,
        "when": rule.trigger.describe(),
        "destinations": list(rule.destinations),
        "debounceSeconds": rule.debounce,
        "group": rule.group,
        "text": payload["summary"],
        "payload": payload,
    }
