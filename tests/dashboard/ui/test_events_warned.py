"""The home page's "Current, but warning": which objects it names.

Why: the section claims an object *now* looks healthy yet complained within the hour. An
object deleted and created again under the same name is another object: the Warnings of
its previous life are not its own. The engine is a stand-in holding one object per name;
the reviewer lets the viewer list everything (the cut itself is test_events_visibility's).
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from dashboard.core.auth.viewer import SERVER
from dashboard.history.models import EventRow
from dashboard.ui.pages.events import eventrows
from informers import KindInfo, State

pytestmark = pytest.mark.django_db

THINGS = KindInfo(
    group="warn.example", version="v1", kind="Thing", plural="things", namespaced=True
)


class _Engine:
    def __init__(self, objects: dict[str, Any]) -> None:
        self.store = SimpleNamespace(get=objects.get)

    def informers(self) -> list[Any]:
        return [SimpleNamespace(kind=THINGS)]

    def informer(self, key: str) -> Any:
        return SimpleNamespace(kind=THINGS, store=self.store) if key == THINGS.key else None


def _entry(uid: str, state: State) -> Any:
    return SimpleNamespace(uid=uid, status=SimpleNamespace(state=state))


def _warning(name: str, uid: str, reason: str, *, ago: float = 60) -> None:
    at = time.time() - ago
    EventRow.objects.create(
        uid=f"{uid}-{reason}",
        involved_uid=uid,
        kind=THINGS.key,
        namespace="ns",
        name=name,
        type="Warning",
        reason=reason,
        message="m",
        count=2,
        first_seen=at,
        last_seen=at,
    )


def test_current_objects_with_recent_warnings_of_their_own_life() -> None:
    _warning("healthy", "uid-h", "Flapping")
    _warning("failed", "uid-f", "Broken")
    _warning("reborn", "uid-old", "OldLife")
    _warning("quiet", "uid-q", "LongAgo", ago=7200)
    engine = _Engine(
        {
            "ns/healthy": _entry("uid-h", State.CURRENT),
            "ns/failed": _entry("uid-f", State.FAILED),
            "ns/reborn": _entry("uid-new", State.CURRENT),
            "ns/quiet": _entry("uid-q", State.CURRENT),
        }
    )
    found = eventrows.warned_current(engine, SERVER)  # type: ignore[arg-type]
    assert [(w.name, w.reason, w.occurrences) for w in found] == [("healthy", "Flapping", 2)]
    assert found[0].events_url == (
        "/events/?namespace=ns&kind=warn.example%2Fthings&name=healthy&type=Warning&window=1h"
    )
