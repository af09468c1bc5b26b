"""Rule sets: which rules a kind gets, and what the first of them decides for it.

Why in-process: ``RuleSet.for_kind`` merges every matching rule's settings (the stuck
threshold, awaiting a controller, the reconcile annotation, relations) once per kind, and
a wrong merge is silent: a kind keeps the shipped threshold over the user's, or loses a
relation. The evaluation itself is ``test_healthrules_evaluate``'s.
"""

from __future__ import annotations

import textwrap

import pytest

from informers.healthrules.model import Reconcile
from informers.healthrules.ruleset import RuleSet, group_kind, parse_rules, shipped_rules


def _rules(text: str, source: str = "user.yaml") -> RuleSet:
    return parse_rules(textwrap.dedent(text), source=source)


CASE = """
    cases:
      - when: "true"
        state: Current
        reason: Fine
"""

USER = _rules(
    """\
rules:
  - name: user/widgets
    match: {group: example.com, kind: Widget}
    stuckAfter: 5m
    reconcile: {annotation: example.com/poke, value: now}
    relations:
      - {name: parent, ref: spec.parentRef}
"""
    + textwrap.indent(textwrap.dedent(CASE).strip("\n"), "    ")
    + """
  - name: user/everything-in-example
    match: {group: example.com}
    stuckAfter: 1h
    awaitController: false
    relations:
      - {name: parent, ref: spec.otherParentRef}
      - {name: source, ref: spec.sourceRef}
"""
    + textwrap.indent(textwrap.dedent(CASE).strip("\n"), "    ")
)


def test_a_kind_gets_every_matching_rule_in_order_and_no_other() -> None:
    widget = USER.for_kind("example.com", "Widget")
    assert [r.name for r in widget.rules] == ["user/widgets", "user/everything-in-example"]
    gadget = USER.for_kind("example.com", "Gadget")
    assert [r.name for r in gadget.rules] == ["user/everything-in-example"]
    assert USER.for_kind("other.io", "Widget").rules == ()


def test_settings_come_from_the_first_rule_that_sets_them() -> None:
    widget = USER.for_kind("example.com", "Widget")
    assert widget.stuck_after == 300.0  # the Widget rule's, not the group rule's hour
    assert widget.reconcile == Reconcile(annotation="example.com/poke", value="now")
    gadget = USER.for_kind("example.com", "Gadget")
    assert gadget.stuck_after == 3600.0 and gadget.reconcile is None


def test_any_matching_rule_can_turn_off_awaiting_a_controller() -> None:
    assert USER.for_kind("example.com", "Widget").await_controller is False
    assert USER.for_kind("other.io", "Widget").await_controller is True


def test_relations_merge_in_rule_order_and_a_name_keeps_its_first_path() -> None:
    relations = USER.for_kind("example.com", "Widget").relations
    assert [(r.name, r.path) for r in relations] == [
        ("parent", ("spec", "parentRef")),
        ("source", ("spec", "sourceRef")),
    ]


def test_user_rules_come_first_and_replace_shipped_rules_of_the_same_name() -> None:
    shipped = shipped_rules()
    some = shipped.rules[0]
    mine = _rules(
        f"""\
rules:
  - name: {some.name}
    match: {{group: example.com, kind: Widget}}
"""
        + textwrap.indent(textwrap.dedent(CASE).strip("\n"), "    ")
    )
    merged = mine.over(shipped)
    assert merged.rules[0] is mine.rules[0]
    assert merged.names().count(some.name) == 1
    assert len(merged.rules) == len(shipped.rules)


def test_the_selection_is_memoized_per_kind() -> None:
    assert USER.for_kind("example.com", "Widget") is USER.for_kind("example.com", "Widget")


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"apiVersion": "example.com/v1", "kind": "Widget"}, ("example.com", "Widget")),
        ({"apiVersion": "v1", "kind": "ConfigMap"}, ("", "ConfigMap")),
        ({"apiVersion": "a.b/c/v1", "kind": "Odd"}, ("a.b/c", "Odd")),
        ({"apiVersion": 7, "kind": ["Widget"]}, ("", "")),
        ({}, ("", "")),
    ],
)
def test_group_and_kind_are_read_leniently(
    obj: dict[str, object], expected: tuple[str, str]
) -> None:
    assert group_kind(obj) == expected
