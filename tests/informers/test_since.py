"""At first sight, "since" is dated from the object itself, not from when we first saw it.

Why it matters: "stuck" means "InProgress for longer than the threshold". If a restarted
dashboard dated every state from its own start, an object stuck for an hour would look
fresh for another ten minutes after each restart, and the health gate would pass.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from informers import KindInfo, State
from informers.informer import Informer
from informers.testing import unused_client
from informers.timestamps import parse_time

KIND = KindInfo(
    group="t.crscope.test", version="v1", kind="Gadget", plural="gadgets", namespaced=True
)
HOUR = 3600.0


def _stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _informer() -> Informer:
    return Informer(KIND, client=unused_client(), listeners=[])


def _gadget(*, created: float, conditions: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "t.crscope.test/v1",
        "kind": "Gadget",
        "metadata": {
            "name": "g",
            "namespace": "ns",
            "uid": "uid-g",
            "resourceVersion": "5",
            "generation": 1,
            "creationTimestamp": _stamp(created),
            **meta,
        },
        "status": {"observedGeneration": 1, "conditions": conditions},
    }


def _reconciling(transitioned: float) -> dict[str, Any]:
    return {
        "type": "Reconciling",
        "status": "True",
        "reason": "Progressing",
        "message": "working",
        "lastTransitionTime": _stamp(transitioned),
    }


def _since(obj: dict[str, Any]) -> tuple[State, float]:
    informer = _informer()
    informer.replace([obj], "5")
    entry = informer.store.get("ns/g")
    assert entry is not None
    return entry.status.state, entry.since


def test_since_is_the_latest_condition_transition_not_creation_or_first_sight() -> None:
    now = time.time()
    older = {
        "type": "Ready",
        "status": "False",
        "reason": "Progressing",
        "message": "",
        "lastTransitionTime": _stamp(now - 3 * HOUR),
    }
    obj = _gadget(created=now - 48 * HOUR, conditions=[older, _reconciling(now - HOUR)])
    state, since = _since(obj)
    assert state == State.IN_PROGRESS
    assert since == parse_time(_stamp(now - HOUR))
    informer = _informer()
    informer.replace([obj], "5")
    entry = informer.store.get("ns/g")
    assert entry is not None
    assert entry.stuck(time.time(), 600)  # stuck at once, not ten minutes after a restart
    assert not entry.stuck(time.time(), 2 * HOUR)


def test_without_conditions_since_is_the_creation_time() -> None:
    now = time.time()
    obj = _gadget(created=now - 5 * HOUR, conditions=[])
    obj["metadata"]["generation"] = 2  # not yet observed: InProgress
    _, since = _since(obj)
    assert since == parse_time(_stamp(now - 5 * HOUR))


def test_a_terminating_object_is_dated_from_its_deletion_timestamp() -> None:
    now = time.time()
    obj = _gadget(
        created=now - 48 * HOUR,
        conditions=[_reconciling(now - 3 * HOUR)],
        deletionTimestamp=_stamp(now - 2 * HOUR),
        finalizers=["t.crscope.test/hold"],
    )
    state, since = _since(obj)
    assert state == State.TERMINATING
    assert since == parse_time(_stamp(now - 2 * HOUR))


@pytest.mark.parametrize("skew", [HOUR, 48 * HOUR])
def test_a_transition_in_the_future_is_clamped_to_now(skew: float) -> None:
    before = time.time()
    obj = _gadget(created=before - HOUR, conditions=[_reconciling(before + skew)])
    _, since = _since(obj)
    assert before - 1 <= since <= time.time()
