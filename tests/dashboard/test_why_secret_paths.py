"""Why this state must not show a secret a rule in force read under a harmless name.

Why: ``why.shown_inputs`` masks an input by its *name* (and string values by the text
rule), so an operator's rule ``inputs: {v: object.spec.password}`` or ``message:
object.spec.password`` shows the password in the API's ``state.inputs``/``message``, the
row tooltip, the detail page and notifications, while the object's YAML masks it. The
tester is safe (drafts see redacted objects); rules in force run on the real object.
"""

from __future__ import annotations

import pytest

from dashboard.core.why import shown_inputs, why_text
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


@pytest.mark.xfail(
    strict=True,
    reason="inputs and message are masked by input name only; the fix belongs in the "
    "evaluation (informers/healthrules/evaluate.py, being edited by another helper)",
)
def test_a_value_read_from_a_secret_field_is_masked_in_why_and_message() -> None:
    status = _status()
    assert status.rule == "ops/Db"  # type: ignore[attr-defined]
    shown = [why_text(status), str(shown_inputs(status)), status.message]  # type: ignore[arg-type,attr-defined]
    assert not [text for text in shown if SECRET in text]
