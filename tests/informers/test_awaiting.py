"""Awaiting a controller, in process: the tally, the threshold, and order independence.

The real-apiserver journey (a kind whose objects carry a status, one without; a kind
where few do) is in test_awaiting_cluster.py.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from informers import ChangeType, KindInfo, State, Status
from informers.awaiting import (
    AWAITING,
    MIN_WITH_STATUS,
    REASON,
    AwaitingController,
    has_status,
)
from informers.changes import Change
from informers.healthrules import KindRules, parse_rules
from informers.informer import Informer, InformerOptions
from informers.testing import unused_client

KIND = KindInfo(
    group="t.crscope.test", version="v1", kind="Waiter", plural="waiters", namespaced=True
)
CURRENT = Status(State.CURRENT, "", "", rule="generic/default")
READY = {"conditions": [{"type": "Ready", "status": "True"}]}


def thing(name: str, status: Any = None, rv: str = "1") -> dict[str, Any]:
    result: dict[str, Any] = {
        "apiVersion": "t.crscope.test/v1",
        "kind": "Waiter",
        "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": rv},
    }
    if status is not None:
        result["status"] = status
    return result


def informer(
    changes: list[Change] | None = None,
    *,
    rules: KindRules | None = None,
    metadata_only: bool = False,
) -> Informer:
    sink = changes if changes is not None else []
    return Informer(
        KIND,
        client=unused_client(),
        listeners=[sink.append],
        options=InformerOptions(metadata_only=metadata_only),
        rules=rules,
    )


def reasons(inf: Informer) -> dict[str, str]:
    return {e.name: e.status.reason for e in inf.store.list()}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (None, False),
        ({}, False),
        ({"status": None}, False),
        ({"status": {}}, False),
        ({"status": "Ready"}, False),
        ({"status": ["Ready"]}, False),
        ({"status": {"phase": "Running"}}, True),
    ],
)
def test_has_status(obj: Any, expected: bool) -> None:
    assert has_status(obj) is expected


@pytest.mark.parametrize(
    ("with_status", "objects", "learned"),
    [
        (0, 0, False),
        (1, 1, False),
        (2, 2, False),  # one or two objects are never judged
        (2, 3, False),
        (MIN_WITH_STATUS, MIN_WITH_STATUS, True),
        (3, 4, True),
        (3, 5, True),
        (3, 6, False),  # half is not most
        (50, 99, True),
        (49, 99, False),
    ],
)
def test_most_means_at_least_three_and_more_than_half(
    with_status: int, objects: int, learned: bool
) -> None:
    tally = AwaitingController()
    tally.recount([{"status": {"a": 1}}] * with_status + [{}] * (objects - with_status))
    assert tally.learned is learned
    tally.enabled = False
    assert tally.learned is False


def test_update_reports_each_crossing_and_only_then() -> None:
    tally = AwaitingController()
    bare: dict[str, Any] = {"spec": {}}
    full: dict[str, Any] = {"status": {"phase": "Running"}}
    assert [tally.update(None, full), tally.update(None, full), tally.update(None, bare)] == [
        False,
        False,
        False,
    ]
    assert tally.update(None, full) is True  # 3 of 4
    assert tally.update(None, bare) is False  # 3 of 5
    assert tally.update(None, bare) is True  # 3 of 6: no longer most
    assert tally.update(bare, None) is True  # a bare one deleted: 3 of 5
    assert tally.update(bare, full) is False  # its controller arrived: 4 of 5
    assert (tally.objects, tally.with_status) == (5, 4)


def test_adjust_only_overrides_current_for_bare_objects() -> None:
    tally = AwaitingController()
    tally.recount([{"status": {"a": 1}}] * 3)
    failed = Status(State.FAILED, "Nope", "")
    by_rule = Status(State.CURRENT, "Static", "", rule="flux/HelmRepository")
    assert tally.adjust({"spec": {}}, CURRENT) is AWAITING
    assert tally.adjust({"spec": {}}, by_rule) is by_rule  # a rule that decided keeps it
    assert tally.adjust({"status": {}}, CURRENT) is AWAITING
    assert tally.adjust({"status": {"a": 1}}, CURRENT) is CURRENT
    assert tally.adjust({"spec": {}}, failed) is failed
    assert AWAITING.state is State.IN_PROGRESS and AWAITING.reason == REASON
    assert AWAITING.rule == "generic/awaiting-controller"
    assert "waiting for a controller" in AWAITING.message


def test_states_do_not_depend_on_list_order() -> None:
    """A bare object listed before the objects that teach the tally awaits all the same."""
    objects = [thing("a-bare"), *(thing(f"s{i}", READY) for i in range(3)), thing("z-bare")]
    seen = set()
    for order in itertools.permutations(objects):
        inf = informer()
        inf.replace([dict(o) for o in order], "10")
        seen.add(tuple(sorted(reasons(inf).items())))
    assert seen == {
        (("a-bare", REASON), ("s0", "Ready"), ("s1", "Ready"), ("s2", "Ready"), ("z-bare", REASON))
    }


def test_crossing_the_threshold_re_evaluates_cached_objects_and_publishes() -> None:
    changes: list[Change] = []
    inf = informer(changes)
    inf.replace([thing("bare"), thing("s0", READY), thing("s1", READY)], "10")
    assert reasons(inf)["bare"] == ""  # 2 with a status: not judged
    changes.clear()
    inf.apply("ADDED", thing("s2", READY, rv="11"))
    assert reasons(inf)["bare"] == REASON
    published = [c for c in changes if c.key == "ns/bare"]
    assert [(c.type, c.old.status.state, c.new.status.state) for c in published] == [  # type: ignore[union-attr]
        (ChangeType.MODIFIED, State.CURRENT, State.IN_PROGRESS)
    ]
    changes.clear()
    inf.apply("DELETED", thing("s2", READY, rv="12"))
    assert reasons(inf)["bare"] == ""
    assert [c.new.status.state for c in changes if c.key == "ns/bare"] == [State.CURRENT]  # type: ignore[union-attr]


def test_a_relist_re_evaluates_unchanged_objects_when_the_tally_moved() -> None:
    """An object whose resourceVersion did not change keeps its entry on a relist, unless
    the tally crossed the threshold meanwhile (the statuses arrived while disconnected)."""
    changes: list[Change] = []
    inf = informer(changes)
    inf.replace([thing("bare"), thing("s0"), thing("s1"), thing("s2")], "10")
    assert reasons(inf)["bare"] == ""
    changes.clear()
    relisted = [thing("bare"), *(thing(f"s{i}", READY, rv="2") for i in range(3))]
    inf.replace(relisted, "20")
    assert reasons(inf)["bare"] == REASON
    assert [c.new.status.reason for c in changes if c.key == "ns/bare"] == [REASON]  # type: ignore[union-attr]
    changes.clear()
    inf.replace([thing("bare"), *(thing(f"s{i}", READY, rv="2") for i in range(3))], "30")
    assert changes == []  # nothing moved, nothing published


def test_a_rule_can_switch_it_off_and_on_again() -> None:
    changes: list[Change] = []
    off = KindRules(KIND.group, KIND.kind, await_controller=False)
    inf = informer(changes, rules=off)
    inf.replace([thing("bare"), *(thing(f"s{i}", READY) for i in range(3))], "10")
    assert reasons(inf)["bare"] == ""
    changes.clear()
    assert inf.use_rules(KindRules(KIND.group, KIND.kind)) == 1
    assert reasons(inf)["bare"] == REASON
    assert [c.key for c in changes] == ["ns/bare"]


def test_metadata_only_kinds_are_never_judged() -> None:
    inf = informer(metadata_only=True)
    inf.replace([thing("bare"), *(thing(f"s{i}", READY) for i in range(3))], "10")
    assert {e.status.reason for e in inf.store.list()} == {"MetadataOnly"}


def test_a_rule_that_decides_a_bare_object_keeps_its_state() -> None:
    """Only Current-by-default awaits: a rule that says a bare object is fine is believed,
    and a relist of it publishes nothing."""
    rules = parse_rules(
        "rules:\n"
        "  - name: test/static\n"
        "    match: {group: t.crscope.test, kind: Waiter}\n"
        "    cases:\n"
        "      - {when: 'object.spec.static == true', state: Current, reason: Static}\n",
        source="test",
    ).for_kind(KIND.group, KIND.kind)
    changes: list[Change] = []
    inf = informer(changes, rules=rules)
    static = {**thing("static"), "spec": {"static": True}}
    objects = [static, thing("bare"), *(thing(f"s{i}", READY) for i in range(3))]
    inf.replace(objects, "10")
    assert reasons(inf)["static"] == "Static"
    assert reasons(inf)["bare"] == REASON
    changes.clear()
    inf.replace([dict(o) for o in objects], "20")
    assert changes == []
