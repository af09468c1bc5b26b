"""Rules file parsing: valid rules load, each invalid one is rejected naming rule and field."""

from __future__ import annotations

import pytest

from dashboard.notify.rules import MISSING, RulesFileError, TriggerType, parse_rules, to_pointer
from informers import State

GOOD = """
destinations:
  - name: ops
    type: webhook
    url: https://hooks.example.com/crscope
    secret: {env: NOTIFY_TEST_SECRET}
    headers: {X-Team: platform}
    rate_limit: 30/min
  - name: chat
    type: slack
    url: {file: /etc/crscope/slack-url}
rules:
  - name: widgets-failed
    match:
      kinds: [example.com/widgets]
      namespaces: [prod-*]
      labels: tier in (web,api),!canary
      name: web-*
    trigger: {state: Failed}
    destinations: [ops, chat, in-app]
    debounce: 1m
    group: true
  - name: recovered
    trigger: recovered
  - name: stuck
    trigger: stuck
  - name: gone
    trigger: {deleted: true}
  - name: replicas
    trigger: {path: {path: spec.replicas, to: 0}}
  - name: backoff
    trigger: {event: {reason: "BackOff*"}}
"""


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFY_TEST_SECRET", "s3cret")


def test_a_valid_file_loads_every_rule_and_destination() -> None:
    rules = parse_rules(GOOD)
    assert rules.errors == ()
    assert [r.name for r in rules.rules] == [
        "widgets-failed",
        "recovered",
        "stuck",
        "gone",
        "replicas",
        "backoff",
    ]
    assert set(rules.destinations) == {"ops", "chat", "in-app"}
    first = rules.rules[0]
    assert first.trigger.to_states == {State.FAILED}
    assert first.debounce == 60 and first.group
    assert first.match.selector is not None
    assert first.match.selector.matches({"tier": "web"})
    assert not first.match.selector.matches({"tier": "web", "canary": "1"})
    assert rules.destinations["ops"].rate == (30, 60.0)
    recovered = rules.rules[1].trigger
    assert recovered.to_states == {State.CURRENT} and State.FAILED in (recovered.from_states or ())
    assert rules.rules[1].destinations == ("in-app",)
    replicas = rules.rules[4].trigger
    assert (replicas.path, replicas.path_to, replicas.path_from) == ("/spec/replicas", 0, MISSING)
    assert rules.rules[5].trigger.type is TriggerType.EVENT
    assert rules.rules[5].trigger.event_type == "Warning"


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        ("{name: a, trigger: {state: Faild}}", "trigger.state", "unknown state 'Faild'"),
        ("{name: a, trigger: {state: Failed, stuck: true}}", "trigger", "exactly one"),
        ("{name: a, trigger: {explode: true}}", "trigger.explode", "unknown trigger"),
        ("{name: a}", "trigger", "is required"),
        ("{name: a, trigger: stuck, match: {labels: 'a b'}}", "match.labels", ""),
        ("{name: a, trigger: stuck, match: {kinds: [widgets]}}", "match.kinds", "group/plural"),
        ("{name: a, trigger: stuck, destinations: [nowhere]}", "destinations", "nowhere"),
        ("{name: a, trigger: stuck, debounce: soon}", "debounce", "not a duration"),
        ("{name: a, trigger: stuck, group: true}", "group", "debounce window"),
        ("{name: a, trigger: stuck, trigers: x}", "trigers", "unknown field"),
        ("{name: 'a b', trigger: stuck}", "name", "letters"),
        ("{name: a, trigger: {path: {to: 1}}}", "trigger.path.path", "is required"),
        ("{name: a, trigger: {event: {type: Bad}}}", "trigger.event.type", "Warning or Normal"),
    ],
)
def test_an_invalid_rule_is_rejected_naming_rule_and_field(
    rule: str, field: str, words: str
) -> None:
    rules = parse_rules(f"rules:\n  - {rule}\n  - {{name: fine, trigger: stuck}}\n")
    assert [r.name for r in rules.rules] == ["fine"], "a bad rule never stops the others"
    (error,) = rules.errors
    assert (error.subject, error.field) == ("rule", field)
    assert words in error.message
    assert error.name in str(error) and field in str(error)


@pytest.mark.parametrize(
    ("dest", "field", "words"),
    [
        ("{name: d, type: webhook, url: ftp://x}", "url", "http"),
        ("{name: d, type: webhook, url: 'https://x', secret: hunter2}", "secret", "inline"),
        (
            "{name: d, type: webhook, url: 'https://x', secret: {env: NOPE_NOT_SET}}",
            "secret.env",
            "not set",
        ),
        (
            "{name: d, type: webhook, url: 'https://x', headers: {Authorization: x}}",
            "headers.Authorization",
            "credential",
        ),
        ("{name: d, type: pager, url: 'https://x'}", "type", "not one of"),
        ("{name: d, type: webhook, url: 'https://x', rate_limit: lots}", "rate_limit", "rate"),
    ],
)
def test_an_invalid_destination_is_rejected_and_its_rules_with_it(
    dest: str, field: str, words: str
) -> None:
    text = (
        f"destinations:\n  - {dest}\nrules:\n  - {{name: r, trigger: stuck, destinations: [d]}}\n"
    )
    rules = parse_rules(text)
    assert rules.rules == ()
    dest_error, rule_error = rules.errors
    assert (dest_error.subject, dest_error.name, dest_error.field) == ("destination", "d", field)
    assert words in dest_error.message
    assert (rule_error.name, rule_error.field) == ("r", "destinations")


def test_duplicate_rule_names_keep_the_first() -> None:
    rules = parse_rules("rules:\n  - {name: a, trigger: stuck}\n  - {name: a, trigger: created}\n")
    assert [r.trigger.type for r in rules.rules] == [TriggerType.STUCK]
    assert rules.errors[0].message == "duplicate rule name"


@pytest.mark.parametrize(
    "text", ["rules: [", "- just a list", "rules: {a: 1}", "rulez: []", "rules: 3"]
)
def test_a_malformed_file_is_rejected_as_a_whole(text: str) -> None:
    with pytest.raises(RulesFileError):
        parse_rules(text)


def test_an_empty_file_means_no_rules() -> None:
    assert parse_rules("").rules == ()
    assert parse_rules("# nothing yet\n").rules == ()


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ("/status/phase", "/status/phase"),
        ("status.phase", "/status/phase"),
        (".status.conditions[0].status", "/status/conditions/0/status"),
        ("$.metadata.labels.app/name", "/metadata/labels/app~1name"),
    ],
)
def test_paths_become_json_pointers(text: str, pointer: str) -> None:
    assert to_pointer(text, "trigger.path") == pointer


def test_the_demo_rules_load_without_errors() -> None:
    """``make demo`` shows these on /notifications/; a typo would show as a rule error."""
    from devkit.demo import DEMO_RULES

    loaded = parse_rules(DEMO_RULES)
    assert loaded.errors == ()
    assert [r.name for r in loaded.rules] == ["database-failed", "widgets-failed", "anything-stuck"]
    assert {r.trigger.type for r in loaded.rules} == {TriggerType.STATE, TriggerType.STUCK}
