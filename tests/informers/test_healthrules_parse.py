"""Reading a health rules file: every mistake names its field and its line and column."""
# ruff: noqa: E501  (the YAML documents are easier to read on one line)

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from informers import RuleError, State, parse_rules, shipped_rules


def _parse(text: str) -> object:
    return parse_rules(textwrap.dedent(text), source="test.yaml")


def _error(text: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        _parse(text)
    return caught.value


GOOD = """\
rules:
  - name: demo/Widget
    match: {group: example.com, kind: Widget}
    inputs:
      phase: object.status.phase
    cases:
      - when: phase == "Failed"
        state: Failed
        reason: Failed
    stuckAfter: 10m
    awaitController: false
"""


def test_a_good_file_compiles_every_rule() -> None:
    rules = parse_rules(GOOD, source="test.yaml")
    (rule,) = rules.rules
    assert (rule.name, rule.group, rule.kind) == ("demo/Widget", "example.com", "Widget")
    assert [n for n, _ in rule.inputs] == ["phase"]
    assert rule.cases[0].state is State.FAILED
    assert rule.stuck_after == 600.0
    assert rule.await_controller is False
    assert rule.source == "test.yaml"


def test_a_cel_syntax_error_points_into_the_file() -> None:
    error = _error(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            cases:
              - when: phase == "Failed" &&
                state: Failed
                reason: Failed
        """
    )
    assert error.field == "rules[0].cases[0].when"
    # `when: phase == "Failed" &&` : the value starts at column 15; CEL stops after `&&`.
    assert error.line == 5
    assert error.column == 15 + len('phase == "Failed" &&')
    assert str(error).startswith("rules[0].cases[0].when: line 5, column 35: CEL:")


def test_a_quoted_expression_counts_its_quote() -> None:
    error = _error(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            cases:
              - when: 'phase =='
                state: Failed
                reason: Failed
        """
    )
    assert (error.line, error.column) == (5, 15 + 1 + len("phase =="))


def test_a_block_expression_error_is_on_its_own_line() -> None:
    error = _error(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            cases:
              - when: |
                  phase == "a" ||
                  phase ==
                state: Failed
                reason: Failed
        """
    )
    assert error.field == "rules[0].cases[0].when"
    assert error.line in (7, 8)  # the second line of the block, or just past it at EOF


def test_an_unknown_name_is_caught_when_loading() -> None:
    error = _error(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            inputs:
              phase: object.status.phase
            cases:
              - when: phse == "Failed"
                state: Failed
                reason: Failed
        """
    )
    assert error.field == "rules[0].cases[0].when"
    assert (error.line, error.column) == (7, 15)
    assert "unknown name 'phse'" in str(error)


def test_an_input_may_use_only_earlier_inputs() -> None:
    error = _error(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            inputs:
              failed: phase == "Failed"
              phase: object.status.phase
            cases:
              - when: failed
                state: Failed
                reason: Failed
        """
    )
    assert error.field == "rules[0].inputs.failed"
    assert "unknown name 'phase'" in str(error)


def test_comprehension_variables_are_not_unknown_names() -> None:
    rules = _parse(
        """\
        rules:
          - name: demo/Widget
            match: {kind: Widget}
            cases:
              - when: object.status.items.exists(i, i.ok == false)
                state: Failed
                reason: ItemFailed
        """
    )
    assert rules.rules  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "field", "line", "what"),
    [
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    cases: []\n",
            "rules[0].cases",
            4,
            "non-empty",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    cases:\n      - {when: 'true', state: Fine, reason: x}\n",
            "rules[0].cases[0].state",
            5,
            "unknown state 'Fine'",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    cases:\n      - {when: 'true', state: Failed}\n",
            "rules[0].cases[0]",
            5,
            "'reason' is required",
        ),
        (
            "rules:\n  - name: a\n    mach: {kind: W}\n",
            "rules[0].mach",
            3,
            "unknown field 'mach'",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    stuckAfter: soon\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].stuckAfter",
            4,
            "not a duration",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    inputs: {object: 'object'}\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].inputs.object",
            4,
            "built-in",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    reconcile: {annotation: 'a b'}\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].reconcile.annotation",
            4,
            "not an annotation key",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    reconcile: {value: now}\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].reconcile",
            4,
            "'annotation' is required",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    reconcile:\n      annotation: x.io/r\n      value: [1]\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].reconcile.value",
            6,
            "must be a text value",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    relations: [{name: c, ref: 'spec[0]'}]\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].relations[0].ref",
            4,
            "not a field path",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    relations:\n      - {name: c, ref: spec.a}\n      - {name: c, ref: spec.b}\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].relations[1].name",
            6,
            "duplicate relation name 'c'",
        ),
        (
            "rules:\n  - name: a\n    match: {kind: W}\n    relations: {name: c}\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            "rules[0].relations",
            4,
            "must be a list",
        ),
        ("rules:\n  - name: a\n   match: x\n", "", 3, "not valid YAML"),
        ("rules: 3\n", "rules", 1, "must be a list"),
    ],
)
def test_mistakes_name_the_field_and_line(text: str, field: str, line: int, what: str) -> None:
    error = _error(text)
    assert error.field == field
    assert error.line == line
    assert what in str(error)


def test_a_reconcile_annotation_is_kept_for_the_kind() -> None:
    """The first matching rule that names one gives the kind's "reconcile now" annotation."""
    rules = parse_rules(
        textwrap.dedent(
            """\
            rules:
              - name: mine/Widget
                match: {group: example.com, kind: Widget}
                cases: [{when: 'false', state: Failed, reason: x}]
              - name: any/Widget
                match: {group: example.com, kind: "*"}
                reconcile: {annotation: example.com/reconcile-at}
                cases: [{when: 'false', state: Failed, reason: x}]
              - name: late/Widget
                match: {group: example.com, kind: Widget}
                reconcile: {annotation: example.com/refresh, value: normal}
                cases: [{when: 'false', state: Failed, reason: x}]
            """
        ),
        source="test.yaml",
    )
    found = rules.for_kind("example.com", "Widget").reconcile
    assert found is not None
    assert (found.annotation, found.value) == ("example.com/reconcile-at", None)
    assert rules.for_kind("other.io", "Widget").reconcile is None


def test_relations_of_every_matching_rule_are_kept_first_name_wins() -> None:
    rules = parse_rules(
        textwrap.dedent(
            """\
            rules:
              - name: mine/Claim
                match: {group: example.com, kind: Claim}
                relations: [{name: composite, ref: spec.compositeRef}]
                cases: [{when: 'false', state: Failed, reason: x}]
              - name: any
                match: {group: "*", kind: "*"}
                relations:
                  - {name: composite, ref: spec.resourceRef}
                  - {name: parts, ref: spec.resourceRefs}
                cases: [{when: 'false', state: Failed, reason: x}]
            """
        ),
        source="test.yaml",
    )
    found = rules.for_kind("example.com", "Claim").relations
    assert [(r.name, r.path) for r in found] == [
        ("composite", ("spec", "compositeRef")),
        ("parts", ("spec", "resourceRefs")),
    ]


def test_the_pack_knows_flux_and_argo_cd_reconcile_annotations() -> None:
    pack = shipped_rules()
    flux = pack.for_kind("helm.toolkit.fluxcd.io", "HelmRelease").reconcile
    argo = pack.for_kind("argoproj.io", "Application").reconcile
    assert flux is not None and (flux.annotation, flux.value) == (
        "reconcile.fluxcd.io/requestedAt",
        None,
    )
    assert argo is not None and (argo.annotation, argo.value) == (
        "argocd.argoproj.io/refresh",
        "normal",
    )
    assert pack.for_kind("cert-manager.io", "Certificate").reconcile is None


def test_duplicate_rule_names_are_refused() -> None:
    one = "  - name: a\n    match: {kind: W}\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n"
    error = _error("rules:\n" + one + one)
    assert error.field == "rules[1].name"
    assert error.line == 6
    assert "duplicate rule name 'a'" in str(error)


def test_yaml_merge_keys_share_inputs_and_cases() -> None:
    rules = _parse(
        """\
        rules:
          - name: a
            match: {kind: A}
            inputs: &inputs
              ready: conditions.Ready.status
            cases: &cases
              - {when: 'ready == "False"', state: Failed, reason: NotReady}
          - name: b
            match: {kind: B}
            inputs:
              <<: *inputs
              suspended: object.spec.suspend
            cases: *cases
        """
    )
    second = rules.rules[1]  # type: ignore[attr-defined]
    assert [n for n, _ in second.inputs] == ["ready", "suspended"]
    assert second.cases[0].reason == "NotReady"


def test_an_empty_file_has_no_rules() -> None:
    assert parse_rules("", source="x").rules == ()
    assert parse_rules("rules:\n", source="x").rules == ()


def test_durations() -> None:
    for text, seconds in [("90s", 90.0), ("10m", 600.0), ("2h", 7200.0), ("45", 45.0)]:
        rules = parse_rules(
            "rules:\n  - name: a\n    match: {kind: W}\n    stuckAfter: "
            + text
            + "\n    cases:\n      - {when: 'true', state: Failed, reason: x}\n",
            source="x",
        )
        assert rules.rules[0].stuck_after == seconds


def test_the_shipped_pack_loads_with_unique_names() -> None:
    pack = shipped_rules()
    assert len(set(pack.names())) == len(pack.names())
    assert all(rule.source.startswith("pack/") for rule in pack.rules)


def _merge_bomb(levels: int) -> str:
    """Each level merges the level below nine times: 9**levels entries if expanded blindly."""
    lines = ["<<:", "  - &l0 {rules: []}"]
    for level in range(1, levels):
        below = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"  - &l{level} {{<<: [{below}]}}")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(60)
def test_merge_keys_through_aliases_expand_each_mapping_once() -> None:
    """A few hundred characters of aliased merges must not take the loader (or the rule
    tester's request) forever: 40 levels would be 9**40 merges."""
    assert parse_rules(_merge_bomb(40), source="x").rules == ()


@pytest.mark.timeout(60)
def test_a_mapping_merged_into_itself_is_a_rule_error() -> None:
    error = _error("rules: []\n<<: &a\n  x: 1\n  <<: *a\n")
    assert "'<<' merges a mapping into itself" in str(error)
    assert error.line == 4


def _one_case(when: str) -> str:
    return (
        "rules:\n  - name: a\n    match: {kind: W}\n    cases:\n"
        f"      - when: '{when}'\n        state: Failed\n        reason: x\n"
    )


@pytest.mark.timeout(120)
def test_a_very_long_expression_is_a_rule_error_not_a_crash() -> None:
    """20,000 field selections overflowed the CEL library's native stack: the process
    died (SIGSEGV), so the check runs in a child process."""
    code = (
        "from informers import RuleError, parse_rules\n"
        "from tests.informers.test_healthrules_parse import _one_case\n"
        "try:\n"
        "    parse_rules(_one_case('object' + '.a' * 20000 + ' == 1'), source='x')\n"
        "except RuleError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert "the expression has 40011 characters; at most 4096 are allowed" in done.stdout
    assert "rules[0].cases[0].when: line 5" in done.stdout


def test_an_expression_nested_past_the_parsers_depth_is_a_rule_error() -> None:
    error = _error(_one_case("!" * 3000 + "true"))
    assert error.field == "rules[0].cases[0].when"
    assert "nested too deeply" in str(error)
