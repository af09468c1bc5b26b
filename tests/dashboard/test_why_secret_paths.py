"""Why this state must not show a secret a rule in force read under a harmless name.

Why: ``why.shown_inputs`` masks an input by its *name* (and string values by the text
rule), so an operator's rule ``inputs: {v: object.spec.password}`` or ``message:
object.spec.password`` shows the password in the API's ``state.inputs``/``message``, the
row tooltip, the detail page and notifications, while the object's YAML masks it. The
tester is safe (drafts see redacted objects); rules in force run on the real object.
"""

from __future__ import annotations

from dashboard.core.rules.why import shown_inputs, why_text
from informers import evaluate_status, parse_rules

RULE = """\
rules:
  - name: ops/Db
    match: {group: db.example.com, kind: Db}
    inputs:
      v: object.spec.password
    cases:
      - when: v != ""
        state: Failed
        reason: HasPassword
        message: object.spec.password
"""
SECRET = "hunter2-s3cret"


def _status() -> object:
    obj = {
        "apiVersion": "db.example.com/v1",
        "kind": "Db",
        "metadata": {"name": "d", "namespace": "ns"},
        "spec": {"password": SECRET},
    }
    rules = parse_rules(RULE, source="user.yaml").for_kind("db.example.com", "Db")
    return evaluate_status(obj, rules)


def test_a_value_read_from_a_secret_field_is_masked_in_why_and_message() -> None:
    status = _status()
    assert status.rule == "ops/Db"  # type: ignore[attr-defined]
    shown = [why_text(status), str(shown_inputs(status)), status.message]  # type: ignore[arg-type,attr-defined]
    assert not [text for text in shown if SECRET in text]


def test_reads_that_only_look_at_ordinary_fields_are_shown() -> None:
    rules = parse_rules(
        RULE.replace("object.spec.password", "object.spec.size"), source="user.yaml"
    ).for_kind("db.example.com", "Db")
    obj = {"metadata": {"name": "d"}, "spec": {"size": "10Gi", "password": SECRET}}
    status = evaluate_status(obj, rules)
    assert dict(status.inputs) == {"v": "10Gi"} and status.message == "10Gi"


def test_a_secret_read_by_index_or_inside_a_container_is_masked() -> None:
    rule = RULE.replace("object.spec.password", "object.spec.users[0].password").replace(
        "      v: object.spec.users[0].password\n",
        "      v: object.spec.users[0].password\n      all: object.spec.users\n",
    )
    obj = {"metadata": {"name": "d"}, "spec": {"users": [{"name": "a", "password": SECRET}]}}
    status = evaluate_status(
        obj, parse_rules(rule, source="u.yaml").for_kind("db.example.com", "Db")
    )
    assert status.rule == "ops/Db"
    shown = [why_text(status), str(shown_inputs(status)), status.message, str(status.inputs)]
    assert not [text for text in shown if SECRET in text]
