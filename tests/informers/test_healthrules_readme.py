"""The README's health rule examples load and say what the README says they say."""

from __future__ import annotations

import re
from pathlib import Path

from informers import State, evaluate_status, parse_rules

README = Path(__file__).resolve().parents[2] / "README.md"


def _examples() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Health rules", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_readme_examples_decide_as_described() -> None:
    rules = parse_rules(_examples(), source="README.md")
    backup = {
        "apiVersion": "backup.acme.io/v1",
        "kind": "Backup",
        "metadata": {"name": "b"},
        "status": {"phase": "Failed", "lastError": "disk full"},
    }
    status = evaluate_status(backup, rules.for_object(backup))
    assert (status.state, status.reason, status.message) == (State.FAILED, "Failed", "disk full")
    assert status.inputs == (("phase", "Failed"), ("error", "disk full"))
    assert rules.for_object(backup).stuck_after == 7200.0
    del backup["status"]
    assert evaluate_status(backup, rules.for_object(backup)).reason == "Running"

    database = {
        "apiVersion": "db.acme.io/v1",
        "kind": "Database",
        "metadata": {"name": "d"},
        "status": {
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "Available"},
                {"type": "Synced", "status": "False", "reason": "ApplyFailed", "message": "x"},
            ]
        },
    }
    status = evaluate_status(database, rules.for_object(database))
    assert (status.state, status.reason, status.rule) == (
        State.FAILED,
        "ApplyFailed",
        "acme/synced-first",
    )
