"""Conditions whose ``type`` or ``status`` is not a string make the state Unknown (issue 14).

A hostile or broken controller can write ``{"type": 5, "status": "False"}``; skipping
such a condition left the object Current, a claim nobody made.
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.status import State, compute_status


def _with(*conditions: Any) -> dict[str, Any]:
    return {"metadata": {"generation": 1}, "status": {"conditions": list(conditions)}}


@pytest.mark.parametrize(
    "condition",
    [
        {"type": 5, "status": "False"},
        {"type": ["Ready"], "status": "False"},
        {"type": None, "status": "True"},
        {"type": "Degraded", "status": True},
        {"type": "Available", "status": 1},
        {"type": "Ready", "status": None},
    ],
)
def test_a_non_string_type_or_status_is_unknown(condition: dict[str, Any]) -> None:
    status = compute_status(_with(condition))
    assert status.state is State.UNKNOWN
    assert status.reason == "MalformedStatus"
    assert "status.conditions[0]" in status.message


def test_string_conditions_still_decide() -> None:
    obj = _with({"type": "Degraded", "status": "Unknown"}, {"type": "Ready", "status": "True"})
    assert compute_status(obj).state is State.CURRENT
