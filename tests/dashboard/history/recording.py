"""Rows written as the history writer writes them, at chosen times, for the record's tests."""

from __future__ import annotations

from typing import Any

from dashboard.history import asof
from dashboard.history.models import Revision, WatchPeriod
from dashboard.history.writer import revision_row
from informers import Change, ChangeType, Entry, compute_status

KIND = "example.com/widgets"
T0 = 1_800_000_000.0  # a fixed "now" minus a day; every time below is relative to it


def widget(name: str, rv: int, size: int, namespace: str = "ns") -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{namespace}-{name}",
            "resourceVersion": str(rv),
        },
        "spec": {"size": size},
    }


def record(type_: ChangeType, obj: dict[str, Any], at: float) -> Revision:
    entry = Entry(key=f"ns/{obj['metadata']['name']}", obj=obj, status=compute_status(obj), since=0)
    change = Change(
        kind=KIND,
        type=type_,
        key=entry.key,
        old=entry,
        new=None if type_ is ChangeType.DELETED else entry,
        observed=at,
    )
    row = revision_row(change)
    row.save()
    return row


def names_at(at: float, namespaces: list[str] | None = None) -> dict[str, int]:
    found = asof.revisions_at(KIND, at, namespaces)
    return {r.name: int(r.resource_version) for r in found}


def periods(*spans: tuple[float, float]) -> None:
    for started, until in spans:
        WatchPeriod.objects.create(kind=KIND, started=started, until=until)


def check(at: float, now: float) -> str:
    try:
        asof.coverage(KIND, now=now).check(at, now=now)
    except asof.NotRecorded as exc:
        return str(exc)
    return "ok"


def sequence() -> None:
    """a: created, resized, deleted; b: created later; c in another namespace."""
    record(ChangeType.ADDED, widget("a", 1, 1), T0 + 10)
    record(ChangeType.MODIFIED, widget("a", 2, 2), T0 + 20)
    record(ChangeType.ADDED, widget("b", 3, 1), T0 + 30)
    record(ChangeType.DELETED, widget("a", 2, 2), T0 + 40)
    record(ChangeType.ADDED, widget("c", 4, 1, namespace="other"), T0 + 15)
