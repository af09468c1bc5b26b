"""Which rules fire: each trigger on real transitions only, and the match filters."""

from __future__ import annotations

import time

import pytest

from dashboard.notify.matching import match_change, match_event, match_stuck
from dashboard.notify.rules import Rule, parse_rules
from informers import EventRecord
from informers.redaction import REDACTED
from tests.dashboard.notify.kit import KIND, change, entry, widget


def rules(text: str) -> tuple[Rule, ...]:
    parsed = parse_rules(text)
    assert parsed.errors == ()
    return parsed.rules


FAILED = rules("rules:\n  - {name: failed, trigger: {state: Failed}}\n")


def test_a_transition_to_failed_fires_once_and_staying_failed_does_not() -> None:
    (hit,) = match_change(
        FAILED, change(widget(state="InProgress"), widget(state="Failed", rv="2"))
    )
    assert (hit.old_state, hit.new_state, hit.new_reason) == ("InProgress", "Failed", "CrashLoop")
    assert hit.message == "it broke"
    assert (
        match_change(FAILED, change(widget(state="Failed", rv="2"), widget(state="Failed", rv="3")))
        == []
    )


def test_the_startup_list_never_fires() -> None:
    assert match_change(FAILED, change(None, widget(state="Failed"), initial=True)) == []
    assert len(match_change(FAILED, change(None, widget(state="Failed")))) == 1


def test_the_occurrence_id_is_deterministic_per_rule_object_and_version() -> None:
    c = change(widget(state="InProgress"), widget(state="Failed", rv="7"))
    (a,), (b,) = match_change(FAILED, c), match_change(FAILED, c)
    assert a.oid == b.oid
    (other,) = match_change(FAILED, change(widget(state="Current"), widget(state="Failed", rv="9")))
    assert other.oid != a.oid


def test_from_states_and_recovered() -> None:
    rs = rules(
        "rules:\n"
        "  - {name: from-progress, trigger: {state: {to: Failed, from: InProgress}}}\n"
        "  - {name: back, trigger: recovered}\n"
    )
    fired = match_change(rs, change(widget(state="Current"), widget(state="Failed", rv="2")))
    assert fired == []
    fired = match_change(rs, change(widget(state="Failed"), widget(state="Current", rv="2")))
    assert [h.rule.name for h in fired] == ["back"]
    assert match_change(rs, change(None, widget(state="Current"))) == []


def test_created_and_deleted() -> None:
    rs = rules("rules:\n  - {name: c, trigger: created}\n  - {name: d, trigger: deleted}\n")
    assert [h.rule.name for h in match_change(rs, change(None, widget()))] == ["c"]
    (gone,) = match_change(rs, change(widget(), None, tombstone=True))
    assert (gone.rule.name, gone.new_state, gone.detail) == ("d", "", {"tombstone": True})


def test_path_changes_with_from_and_to() -> None:
    rs = rules(
        "rules:\n"
        "  - {name: any, trigger: {path: spec.size}}\n"
        "  - {name: to-zero, trigger: {path: {path: /spec/size, to: 0}}}\n"
        "  - {name: from-three, trigger: {path: {path: /spec/size, from: 3}}}\n"
    )

    def fired(old: object, new: object) -> list[str]:
        old_spec = {} if old is None else {"size": old}
        new_spec = {} if new is None else {"size": new}
        c = change(widget(spec=old_spec), widget(spec=new_spec, rv="2"))
        return [h.rule.name for h in match_change(rs, c)]

    assert fired(1, 2) == ["any"]
    assert fired(3, 0) == ["any", "to-zero", "from-three"]
    assert fired(None, 0) == ["any", "to-zero"]
    assert fired(2, 2) == []
    assert fired(1, True) == ["any"], "true is not 1 in JSON"
    (hit,) = match_change(
        rs[:1], change(widget(spec={"size": 1}), widget(spec={"size": 2}, rv="2"))
    )
    assert hit.detail == {"path": "/spec/size", "old": 1, "new": 2}


def test_path_values_are_redacted() -> None:
    rs = rules("rules:\n  - {name: pw, trigger: {path: /spec/password}}\n")
    (hit,) = match_change(
        rs,
        change(widget(spec={"password": "hunter2"}), widget(spec={"password": "hunter3"}, rv="2")),
    )
    assert hit.detail["old"] == hit.detail["new"] == REDACTED


@pytest.mark.parametrize(
    ("match", "obj_args", "fires"),
    [
        ("{kinds: [example.com/widgets]}", {}, True),
        ("{kinds: ['*.com/*']}", {}, True),
        ("{kinds: [other.io/widgets]}", {}, False),
        ("{namespaces: [prod]}", {}, True),
        ("{namespaces: ['stag*']}", {}, False),
        ("{namespaces: [prod]}", {"namespace": None}, False),
        ("{labels: 'tier=web'}", {"labels": {"tier": "web"}}, True),
        ("{labels: 'tier=web'}", {"labels": {"tier": "db"}}, False),
        ("{name: 'w*'}", {}, True),
        ("{name: 'x*'}", {}, False),
    ],
)
def test_match_filters(match: str, obj_args: dict[str, object], fires: bool) -> None:
    rs = rules(f"rules:\n  - {{name: r, trigger: created, match: {match}}}\n")
    assert bool(match_change(rs, change(None, widget(**obj_args)))) is fires  # type: ignore[arg-type]


def test_stuck_and_event_triggers() -> None:
    rs = rules(
        "rules:\n"
        "  - {name: stuck, trigger: stuck}\n"
        "  - {name: warn, trigger: {event: {reason: 'Back*'}}, match: {labels: 'tier=web'}}\n"
    )
    slow = entry(widget(state="InProgress", labels={"tier": "web"}), since=time.time() - 900)
    (hit,) = match_stuck(rs, KIND, slow, time.time())
    assert hit.rule.name == "stuck" and hit.detail["stuck_for"] >= 900

    def event(reason: str, kind: str = "Warning", count: int = 1) -> EventRecord:
        now = time.time()
        return EventRecord(
            uid="e1",
            involved_uid="uid-w",
            kind=KIND,
            namespace="prod",
            name="w",
            type=kind,
            reason=reason,
            message="pulling",
            count=count,
            first_seen=now,
            last_seen=now,
            source="kubelet",
            resource_version="5",
        )

    (warn,) = match_event(rs, event("BackOff"), slow)
    assert warn.detail["event"]["reason"] == "BackOff"
    assert match_event(rs, event("BackOff", kind="Normal"), slow) == []
    assert match_event(rs, event("Pulled"), slow) == []
    assert match_event(rs, event("BackOff"), None) == [], "labels unknown without the object"
    assert match_event(rs, event("BackOff", count=2), slow)[0].oid != warn.oid
