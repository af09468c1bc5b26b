"""Building blocks for notification tests: objects in a given state, entries and changes."""

from __future__ import annotations

import time
import uuid
from typing import Any

from informers import (
    Change,
    ChangeType,
    Entry,
    changed_paths,
    compute_status,
    diff_objects,
    object_key,
)

GROUP = "example.com"
KIND = f"{GROUP}/widgets"


def widget(
    name: str = "w",
    *,
    namespace: str | None = "prod",
    state: str = "Current",
    rv: str = "1",
    uid: str | None = None,
    labels: dict[str, str] | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Widget whose kstatus state is ``state`` (via Ready/Reconciling/Stalled conditions)."""
    conditions = {
        "Current": [{"type": "Ready", "status": "True", "reason": "Done"}],
        "InProgress": [{"type": "Reconciling", "status": "True", "reason": "Working"}],
        "Failed": [
            {"type": "Stalled", "status": "True", "reason": "CrashLoop", "message": "it broke"}
        ],
    }[state]
    meta: dict[str, Any] = {
        "name": name,
        "uid": uid or f"uid-{name}",
        "resourceVersion": rv,
        "generation": 1,
        "labels": labels or {},
    }
    if namespace:
        meta["namespace"] = namespace
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Widget",
        "metadata": meta,
        "spec": spec or {},
        "status": {"observedGeneration": 1, "conditions": conditions},
    }


def entry(obj: dict[str, Any], since: float | None = None) -> Entry:
    return Entry(
        key=object_key(obj),
        obj=obj,
        status=compute_status(obj),
        since=time.time() if since is None else since,
    )


def change(
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    kind: str = KIND,
    initial: bool = False,
    tombstone: bool = False,
) -> Change:
    if old is None:
        change_type = ChangeType.ADDED
    elif new is None:
        change_type = ChangeType.DELETED
    else:
        change_type = ChangeType.MODIFIED
    old_entry = entry(old) if old is not None else None
    new_entry = entry(new) if new is not None else None
    paths = (
        tuple(changed_paths(diff_objects(old, new))) if old is not None and new is not None else ()
    )
    shown = new_entry or old_entry
    assert shown is not None
    return Change(
        kind=kind,
        type=change_type,
        key=shown.key,
        old=old_entry,
        new=new_entry,
        observed=time.time(),
        changed_paths=paths,
        initial=initial,
        tombstone=tombstone,
    )


def unique(prefix: str = "w") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"
