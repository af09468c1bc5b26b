"""Evaluating health rules: leniency, the order, user over shipped, and errors as Unknown."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from informers import EngineSettings, KindRules, RuleSet, State, evaluate_status, parse_rules
from informers.healthrules import COST_LIMIT


def _rules(text: str, source: str = "user.yaml") -> RuleSet:
    return parse_rules(textwrap.dedent(text), source=source)


WIDGET = """\
rules:
  - name: demo/Widget
    match: {group: example.com, kind: Widget}
    inputs:
      phase: object.status.phase
      detail: object.status.detail.text
      ready: conditions.Ready.status
    cases:
      - when: phase == "Failed"
        state: Failed
        reason: Failed
        reasonFrom: conditions.Ready.reason
        message: detail
      - when: phase == "Running"
        state: InProgress
        reason: Running
        message: '"running since " + object.status.startedAt'
      - when: ready == "True" && phase == "Done"
        state: Current
        reason: Done
"""


def _widget(status: Any = None, **meta: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "ns", "generation": 2, **meta},
    }
    if status is not None:
        obj["status"] = status
    return obj


def _status(obj: Any, rules: RuleSet | None = None) -> Any:
    selected = (rules or _rules(WIDGET)).for_kind("example.com", "Widget")
    return evaluate_status(obj, selected)


def test_the_deciding_rule_names_itself_its_inputs_and_its_case() -> None:
    status = _status(
        _widget(
            {
                "phase": "Failed",
                "detail": {"text": "disk full"},
                "conditions": [{"type": "Ready", "status": "False", "reason": "OutOfSpace"}],
            }
        )
    )
    assert status.state is State.FAILED
    assert status.reason == "OutOfSpace"  # reasonFrom, when it gives text
    assert status.message == "disk full"
    assert status.rule == "demo/Widget"
    assert status.when == 'phase == "Failed"'
    assert status.inputs == (("phase", "Failed"), ("detail", "disk full"), ("ready", "False"))


def test_missing_fields_read_as_null_in_inputs_message_and_reason_from() -> None:
    status = _status(_widget({"phase": "Failed"}))
    assert status.state is State.FAILED
    assert status.reason == "Failed"  # reasonFrom was null: the literal reason
    assert status.message == ""
    assert status.inputs == (("phase", "Failed"), ("detail", None), ("ready", None))


def test_a_null_on_the_way_reads_as_missing() -> None:
    status = _status(_widget({"phase": "Failed", "detail": None}))
    assert status.state is State.FAILED
    assert dict(status.inputs)["detail"] is None


def test_a_case_that_reads_a_missing_field_directly_is_false() -> None:
    # `"running since " + object.status.startedAt` is a message; the object has no
    # startedAt, so the message is "" but the case still decides.
    status = _status(_widget({"phase": "Running"}))
    assert (status.state, status.reason, status.message) == (State.IN_PROGRESS, "Running", "")


def test_when_no_case_holds_the_generic_rules_decide() -> None:
    obj = _widget(
        {"phase": "Other", "conditions": [{"type": "Ready", "status": "False", "reason": "Wait"}]}
    )
    status = _status(obj)
    assert status.rule != "demo/Widget"
    assert status.state is State.IN_PROGRESS  # Ready=False, not a failure reason


def test_a_rule_whose_cases_are_all_false_falls_through_to_the_next_rule() -> None:
    rules = _rules(
        """\
        rules:
          - name: first
            match: {kind: Widget}
            cases:
              - {when: 'object.status.phase == "Nope"', state: Failed, reason: Nope}
          - name: second
            match: {group: "*.com", kind: "Wid*"}
            cases:
              - {when: 'object.status.phase == "Done"', state: Current, reason: Done}
          - name: third
            match: {kind: Widget}
            cases:
              - {when: 'true', state: Failed, reason: Third}
        """
    )
    assert _status(_widget({"phase": "Done"}), rules).rule == "second"
    assert _status(_widget({"phase": "Other"}), rules).rule == "third"


def test_deletion_comes_before_every_rule() -> None:
    obj = _widget({"phase": "Failed"}, deletionTimestamp="2024-01-01T00:00:00Z")
    assert _status(obj).state is State.TERMINATING


def test_user_rules_come_first_and_replace_shipped_rules_of_the_same_name() -> None:
    shipped = _rules(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            cases:
              - {when: 'true', state: Failed, reason: Shipped}
          - name: demo/Other
            match: {kind: Widget}
            cases:
              - {when: 'object.status.phase == "x"', state: Failed, reason: OtherShipped}
        """,
        source="pack/demo.yaml",
    )
    user = _rules(
        """\
        rules:
          - name: mine
            match: {kind: Widget}
            cases:
              - {when: 'object.status.phase == "x"', state: Current, reason: Mine}
          - name: demo/Widget
            match: {kind: Widget}
            cases:
              - {when: 'object.status.phase == "y"', state: InProgress, reason: Replaced}
        """
    )
    merged = user.over(shipped)
    assert merged.names() == ("mine", "demo/Widget", "demo/Other")
    assert _status(_widget({"phase": "x"}), merged).reason == "Mine"
    assert _status(_widget({"phase": "y"}), merged).reason == "Replaced"
    # the shipped demo/Widget is gone: nothing says Shipped any more
    assert _status(_widget({"phase": "z"}), merged).rule not in ("demo/Widget", "mine")


def test_kind_selection_is_made_once_per_kind() -> None:
    rules = _rules(WIDGET)
    assert rules.for_kind("example.com", "Widget") is rules.for_kind("example.com", "Widget")
    assert rules.for_kind("other.io", "Widget").rules == ()


def test_stuck_after_and_await_controller_come_from_the_matching_rules() -> None:
    rules = _rules(
        """\
        rules:
          - name: a
            match: {kind: Widget}
            cases: [{when: 'false', state: Failed, reason: x}]
          - name: b
            match: {kind: Widget}
            stuckAfter: 90s
            awaitController: false
            cases: [{when: 'false', state: Failed, reason: x}]
          - name: c
            match: {kind: Widget}
            stuckAfter: 1h
            cases: [{when: 'false', state: Failed, reason: x}]
        """
    )
    selected = rules.for_kind("example.com", "Widget")
    assert selected.stuck_after == 90.0
    assert selected.await_controller is False
    other = rules.for_kind("example.com", "Gadget")
    assert (other.stuck_after, other.await_controller) == (None, True)


def test_settings_stuck_threshold_takes_the_rule_after_the_explicit_per_kind_one() -> None:
    settings = EngineSettings(
        stuck_after=600.0,
        stuck_after_by_kind={"example.com/gadgets": 30.0},
        rule_stuck_after=lambda key: 90.0 if key.startswith("example.com/") else None,
    )
    assert settings.stuck_threshold("example.com/widgets") == 90.0
    assert settings.stuck_threshold("example.com/gadgets") == 30.0
    assert settings.stuck_threshold("other.io/things") == 600.0


ERRING = """\
rules:
  - name: demo/Erring
    match: {kind: Widget}
    inputs:
      size: object.status.size
    cases:
      - when: size + 1 > 3
        state: Failed
        reason: Big
"""


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"d": value}
    return value


@pytest.mark.parametrize(
    "status",
    [
        {"size": "three"},  # a type error in `when`
        {"size": [1, 2]},
        {"size": {"a": 1}},
        {"size": 2**80},  # too big for CEL's int
        {"size": _deep(5000)},  # deeper than CEL can take
        {"size": 9223372036854775807},  # overflow
    ],
)
def test_an_error_on_an_object_is_unknown_rule_error_never_an_exception(status: Any) -> None:
    result = _status(_widget(status), _rules(ERRING))
    assert result.state is State.UNKNOWN
    assert result.reason == "RuleError"
    assert result.message.startswith("demo/Erring: ")
    assert result.rule == "demo/Erring"


def test_a_field_of_a_text_is_a_rule_error() -> None:
    rules = _rules(
        """\
        rules:
          - name: demo/Path
            match: {kind: Widget}
            inputs:
              health: object.status.health.status
            cases:
              - {when: 'health == "Bad"', state: Failed, reason: Bad}
        """
    )
    result = _status(_widget({"health": "Bad"}), rules)
    assert (result.state, result.reason) == (State.UNKNOWN, "RuleError")
    assert "object.status.health.status" in result.message


@pytest.mark.parametrize(
    "obj",
    [
        _widget({"phase": {"nested": ["x"] * 10}, "detail": 5, "conditions": "nope"}),
        _widget({"conditions": [1, None, {"type": 3}, {"type": "Ready", "status": 7}]}),
        _widget("status as text"),
        _widget({"phase": "Failed", "detail": {"text": "x" * 100_000}}),
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": "oops"},
        {"apiVersion": "example.com/v1", "kind": "Widget"},
    ],
)
def test_hostile_objects_never_raise_and_stay_bounded(obj: Any) -> None:
    result = _status(obj)
    assert result.state in set(State)
    assert len(result.message) <= 1000
    assert all(len(str(v)) <= 200 for _, v in result.inputs)


def test_a_non_boolean_when_is_a_rule_error() -> None:
    rules = _rules(
        """\
        rules:
          - name: demo/Text
            match: {kind: Widget}
            cases:
              - {when: 'object.status.phase', state: Failed, reason: x}
        """
    )
    result = _status(_widget({"phase": "Failed"}), rules)
    assert (result.state, result.reason) == (State.UNKNOWN, "RuleError")
    assert "not true or false" in result.message


RUNAWAY = """\
rules:
  - name: demo/Runaway
    match: {kind: Widget}
    cases:
      - when: >-
          object.status.items.all(a, object.status.items.all(b,
          object.status.items.all(c, a + b + c >= 0)))
        state: Failed
        reason: Never
"""


def test_the_cost_bound_stops_a_runaway_rule() -> None:
    items = list(range(2000))  # 2000^3 steps would take hours
    result = _status(_widget({"items": items}), _rules(RUNAWAY))
    assert (result.state, result.reason) == (State.UNKNOWN, "RuleError")
    assert "cost limit" in result.message
    assert COST_LIMIT == 1_000_000


def test_the_cost_bound_lets_small_data_through() -> None:
    result = _status(_widget({"items": [1, 2, 3]}), _rules(RUNAWAY))
    assert (result.state, result.reason, result.rule) == (State.FAILED, "Never", "demo/Runaway")


def test_an_expression_using_the_whole_object_sees_it_all() -> None:
    rules = _rules(
        """\
        rules:
          - name: demo/Whole
            match: {kind: Widget}
            cases:
              - when: 'size(object.metadata) == 3 && has(object.status)'
                state: Failed
                reason: Whole
              - {when: 'object["status"]["phase"] == "x"', state: InProgress, reason: Indexed}
        """
    )
    assert _status(_widget({"phase": "x"}), rules).reason == "Whole"
    assert _status(_widget({"phase": "x"}, extra=1), rules).reason == "Indexed"


def test_no_rules_means_the_generic_rules() -> None:
    obj = _widget({"conditions": [{"type": "Ready", "status": "True"}]})
    assert evaluate_status(obj, None).state is State.CURRENT
    assert evaluate_status(obj, KindRules("example.com", "Widget")).state is State.CURRENT


def _route(parents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "ns", "generation": 3},
        "spec": {"parentRefs": [{"name": f"gw-{i}"} for i in range(len(parents))]},
        "status": {"parents": parents},
    }


def _parent(i: int, accepted: str = "True", reason: str = "Accepted") -> dict[str, Any]:
    return {
        "parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": f"gw-{i}"},
        "controllerName": "example.com/gateway-controller",
        "conditions": [
            {
                "type": "Accepted",
                "status": accepted,
                "reason": reason,
                "message": "Route is accepted" if accepted == "True" else "no matching listener",
                "observedGeneration": 3,
                "lastTransitionTime": "2026-12-06T10:00:00Z",
            },
            {
                "type": "ResolvedRefs",
                "status": "True",
                "reason": "ResolvedRefs",
                "message": "Resolved all the Object references for the Route",
                "observedGeneration": 3,
                "lastTransitionTime": "2026-12-06T10:00:00Z",
            },
        ],
    }


def test_nested_comprehensions_over_parts_of_the_outer_element_are_not_refused() -> None:
    """An HTTPRoute attached to eight Gateways: two nested `exists` over each parent's
    conditions are linear in the data, so the cost bound lets the pack's rule decide."""
    from informers import shipped_rules

    rules = shipped_rules().for_kind("gateway.networking.k8s.io", "HTTPRoute")
    accepted = evaluate_status(_route([_parent(i) for i in range(8)]), rules)
    assert (accepted.state, accepted.reason, accepted.rule) == (
        State.CURRENT,
        "Accepted",
        "gateway-api/Route",
    )
    parents = [_parent(i) for i in range(8)]
    parents[5] = _parent(5, "False", "NotAllowedByListeners")
    rejected = evaluate_status(_route(parents), rules)
    assert (rejected.state, rejected.reason) == (State.FAILED, "NotAccepted")
    assert rejected.message == "not accepted by gw-5"


NESTED_OVER_ONE_LIST = """\
rules:
  - name: demo/Product
    match: {kind: Widget}
    cases:
      - when: >-
          object.status.items.all(a, a.parts.exists(p, p > 0)
          && object.status.items.exists(b, b.size == a.size))
        state: Failed
        reason: Never
"""


def test_the_cost_bound_still_refuses_a_product_over_one_list() -> None:
    """A comprehension over a part of the outer element is linear, but one over the same
    list nested in it still multiplies: this one is quadratic, and refused on 300 items."""
    items = [{"size": i, "parts": [1]} for i in range(300)]
    result = _status(_widget({"items": items}), _rules(NESTED_OVER_ONE_LIST))
    assert (result.state, result.reason) == (State.UNKNOWN, "RuleError")
    assert "cost limit" in result.message
    small = _status(_widget({"items": items[:3]}), _rules(NESTED_OVER_ONE_LIST))
    assert (small.state, small.reason) == (State.FAILED, "Never")


GUARDED = """\
rules:
  - name: demo/Guarded
    match: {group: "*", kind: "*"}
    inputs:
      synced: conditions.Synced.status
      ready: conditions.Ready.status
      phase: object.status.phase
    cases:
      - {when: 'synced == "False" && phase == "x"', state: Failed, reason: A}
      - {when: 'synced != null && (ready == "True" || phase == "y")', state: Current, reason: B}
      - {when: 'synced == "True" || synced == "Unknown"', state: InProgress, reason: C}
"""


def test_a_rule_whose_cases_all_need_a_condition_is_skipped_without_it() -> None:
    """The guard only skips a rule whose every case is false when the condition is absent,
    so the states are those of running it: the generic rules decide without Synced."""
    rules = _rules(GUARDED)
    (rule,) = rules.rules
    assert rule.guard == ("Synced", "status")
    without = _widget({"phase": "y", "conditions": [{"type": "Ready", "status": "True"}]})
    assert _status(without, rules) == evaluate_status(without, None)
    synced = [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]
    decided = _status(_widget({"phase": "x", "conditions": synced}), rules)
    assert (decided.rule, decided.reason) == ("demo/Guarded", "A")


@pytest.mark.parametrize(
    "when",
    [
        'synced == "False" || phase == "x"',  # true without Synced when phase is x
        'synced != "True"',
        "synced == null",
        'phase == "x" && has(object.status.x)',  # not read by the Python evaluator
    ],
)
def test_a_case_that_can_hold_without_the_condition_leaves_the_rule_unguarded(when: str) -> None:
    rules = _rules(GUARDED.replace('\'synced == "True" || synced == "Unknown"\'', repr(when)))
    (rule,) = rules.rules
    assert rule.guard is None


LINEAR = """\
rules:
  - name: demo/Linear
    match: {kind: Widget}
    cases:
      - when: 'object.status.items.exists(i, i == 20000)'
        state: Failed
        reason: Found
"""


def test_the_cost_bound_holds_for_expressions_evaluated_in_python() -> None:
    """The Python evaluator takes this expression, but the bound is the same as in CEL:
    one exists over 20,000 values is over it, over ten values is not."""
    big = _status(_widget({"items": list(range(20_001))}), _rules(LINEAR))
    assert (big.state, big.reason) == (State.UNKNOWN, "RuleError")
    assert "cost limit" in big.message
    small = _status(_widget({"items": [*range(10), 20_000]}), _rules(LINEAR))
    assert (small.state, small.reason) == (State.FAILED, "Found")
