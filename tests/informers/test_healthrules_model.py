"""The compiled rule: what it matches, which texts it masks, and when it may be skipped.

Why in-process: these are judged once at load (secret inputs and texts, the condition
guard); a wrong judgement shows a password on a page or skips a rule that would have
decided, and nothing at evaluation time would notice.
"""

from __future__ import annotations

import textwrap

from informers.healthrules.model import Rule
from informers.healthrules.ruleset import parse_rules


def _rule(body: str) -> Rule:
    text = "rules:\n  - name: t/rule\n" + textwrap.indent(textwrap.dedent(body), "    ")
    (rule,) = parse_rules(text, source="user.yaml").rules
    return rule


def test_a_match_is_a_glob_on_group_and_kind_missing_parts_match_all() -> None:
    rule = _rule(
        """\
        match: {group: "*.example.com", kind: "Data*"}
        cases: [{when: "true", state: Current, reason: Fine}]
        """
    )
    assert rule.matches("db.example.com", "Database")
    assert not rule.matches("example.com", "Database")
    assert not rule.matches("db.example.com", "Widget")
    anything = _rule(
        """\
        match: {group: example.com}
        cases: [{when: "true", state: Current, reason: Fine}]
        """
    )
    assert anything.matches("example.com", "Whatever") and not anything.matches("x.io", "W")


def test_inputs_and_texts_that_may_read_a_secret_are_known_at_load() -> None:
    rule = _rule(
        """\
        match: {group: example.com, kind: Widget}
        inputs:
          password: object.spec.auth.password
          shown: '"pw=" + password'
          phase: object.status.phase
        cases:
          - when: phase == "Failed"
            state: Failed
            reason: Failed
            message: shown
          - when: phase == "Running"
            state: InProgress
            reason: Running
            message: '"phase " + phase'
        """
    )
    assert rule.secret_inputs == frozenset({"password", "shown"})  # through an input too
    masked = {id(c.message) for c in rule.cases if c.message is not None}
    assert len(rule.secret_texts) == 1 and rule.secret_texts < masked
    assert id(rule.cases[0].message) in rule.secret_texts


def test_the_whole_object_counts_as_a_secret_read() -> None:
    rule = _rule(
        """\
        match: {group: example.com, kind: Widget}
        inputs: {everything: object}
        cases: [{when: "true", state: Current, reason: Fine, message: string(everything)}]
        """
    )
    assert rule.secret_inputs == frozenset({"everything"})


def test_a_rule_that_needs_a_condition_is_guarded_by_it() -> None:
    """Skipped, without running, for objects without that condition field."""
    guarded = _rule(
        """\
        match: {group: "*"}
        inputs: {synced: conditions.Synced.status}
        cases:
          - {when: synced == "False", state: Failed, reason: NotSynced}
          - {when: synced == "True", state: Current, reason: Synced}
        """
    )
    assert guarded.guard == ("Synced", "status")
    unguarded = _rule(
        """\
        match: {group: "*"}
        inputs: {synced: conditions.Synced.status}
        cases:
          - {when: synced == "False", state: Failed, reason: NotSynced}
          - {when: "true", state: Current, reason: Anything}
        """
    )
    assert unguarded.guard is None  # its last case holds without the condition


def test_describe_says_what_the_api_shows() -> None:
    rule = _rule(
        """\
        match: {group: example.com, kind: Widget}
        stuckAfter: 10m
        awaitController: false
        cases: [{when: "true", state: Current, reason: Fine}]
        """
    )
    assert rule.describe() == {
        "name": "t/rule",
        "group": "example.com",
        "kind": "Widget",
        "source": "user.yaml",
        "stuckAfter": 600.0,
        "awaitController": False,
    }
