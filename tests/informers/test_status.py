"""Reconcile-state rules (kstatus order), malformed input, and the stuck test.

The stuck threshold's parsing is tested with the settings (tests/informers/test_settings.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.status import (
    DEFAULT_FAILURE_REASONS,
    MAX_MESSAGE_CHARS,
    MAX_REASON_CHARS,
    STATE_ORDER,
    State,
    compute_status,
    is_stuck,
)


def cond(
    kind: str, status: str, reason: str = "", message: str = "", **extra: Any
) -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind, "status": status, **extra}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


def obj(generation: Any = 2, status: Any = None, **metadata: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"metadata": {"name": "db", "generation": generation, **metadata}}
    if status is not None:
        result["status"] = status
    return result


@pytest.mark.parametrize(
    ("name", "resource", "state", "reason"),
    [
        ("no status at all", {"metadata": {"name": "x"}}, State.CURRENT, ""),
        ("empty status", obj(status={}), State.CURRENT, ""),
        ("empty conditions", obj(status={"conditions": []}), State.CURRENT, ""),
        (
            "unrelated condition only",
            obj(status={"conditions": [cond("Synced", "False")]}),
            State.CURRENT,
            "",
        ),
        ("ready true", obj(status={"conditions": [cond("Ready", "True")]}), State.CURRENT, "Ready"),
        (
            "ready true keeps its reason",
            obj(status={"conditions": [cond("Ready", "True", "Succeeded")]}),
            State.CURRENT,
            "Succeeded",
        ),
        (
            "ready false",
            obj(status={"conditions": [cond("Ready", "False", "Waiting")]}),
            State.IN_PROGRESS,
            "Waiting",
        ),
        (
            "ready false without reason",
            obj(status={"conditions": [cond("Ready", "False")]}),
            State.IN_PROGRESS,
            "NotReady",
        ),
        (
            "ready unknown",
            obj(status={"conditions": [cond("Ready", "Unknown")]}),
            State.IN_PROGRESS,
            "NotReady",
        ),
        (
            "ready false with failure reason",
            obj(status={"conditions": [cond("Ready", "False", "InstallFailed")]}),
            State.FAILED,
            "InstallFailed",
        ),
        (
            "failure reason matched case-insensitively",
            obj(status={"conditions": [cond("Ready", "False", "crashloopbackoff")]}),
            State.FAILED,
            "crashloopbackoff",
        ),
        (
            "any reason ending in Failed",
            obj(status={"conditions": [cond("Ready", "False", "ArtifactFetchFailed")]}),
            State.FAILED,
            "ArtifactFetchFailed",
        ),
        (
            "any reason ending in Error",
            obj(status={"conditions": [cond("Ready", "False", "TemplateError")]}),
            State.FAILED,
            "TemplateError",
        ),
        (
            "reconciling true",
            obj(status={"conditions": [cond("Reconciling", "True")]}),
            State.IN_PROGRESS,
            "Reconciling",
        ),
        (
            "reconciling false is ignored",
            obj(status={"conditions": [cond("Reconciling", "False"), cond("Ready", "True")]}),
            State.CURRENT,
            "Ready",
        ),
        (
            "stalled true",
            obj(status={"conditions": [cond("Stalled", "True", message="no quota")]}),
            State.FAILED,
            "Stalled",
        ),
        (
            "stalled keeps its reason",
            obj(status={"conditions": [cond("Stalled", "True", "QuotaExceeded")]}),
            State.FAILED,
            "QuotaExceeded",
        ),
        (
            "reconciling wins over stalled",
            obj(status={"conditions": [cond("Stalled", "True"), cond("Reconciling", "True")]}),
            State.IN_PROGRESS,
            "Reconciling",
        ),
        (
            "stalled wins over ready",
            obj(status={"conditions": [cond("Ready", "True"), cond("Stalled", "True")]}),
            State.FAILED,
            "Stalled",
        ),
        (
            "generation mismatch wins over ready",
            obj(
                generation=3,
                status={"observedGeneration": 2, "conditions": [cond("Ready", "True")]},
            ),
            State.IN_PROGRESS,
            "GenerationMismatch",
        ),
        (
            "generation mismatch wins over stalled",
            obj(
                generation=3,
                status={"observedGeneration": 2, "conditions": [cond("Stalled", "True")]},
            ),
            State.IN_PROGRESS,
            "GenerationMismatch",
        ),
        (
            "observed generation equal",
            obj(generation=3, status={"observedGeneration": 3}),
            State.CURRENT,
            "",
        ),
        (
            "observed generation without metadata.generation",
            {"metadata": {"name": "x"}, "status": {"observedGeneration": 5}},
            State.CURRENT,
            "",
        ),
        (
            "deletion wins over everything",
            obj(
                generation=3,
                status={"observedGeneration": 2, "conditions": [cond("Stalled", "True")]},
                deletionTimestamp="2024-05-01T10:00:00Z",
            ),
            State.TERMINATING,
            "Deleting",
        ),
        (
            "deletion wins over malformed status",
            obj(status="broken", deletionTimestamp="2024-05-01T10:00:00Z"),
            State.TERMINATING,
            "Deleting",
        ),
        (
            "stale ready true is not current",
            obj(generation=4, status={"conditions": [cond("Ready", "True", observedGeneration=3)]}),
            State.IN_PROGRESS,
            "StaleCondition",
        ),
        (
            "fresh ready true with condition generation",
            obj(generation=4, status={"conditions": [cond("Ready", "True", observedGeneration=4)]}),
            State.CURRENT,
            "Ready",
        ),
        (
            "stale stalled is not failed",
            obj(
                generation=4, status={"conditions": [cond("Stalled", "True", observedGeneration=3)]}
            ),
            State.IN_PROGRESS,
            "StaleCondition",
        ),
        (
            "stale failing ready is not failed",
            obj(
                generation=4,
                status={
                    "conditions": [cond("Ready", "False", "InstallFailed", observedGeneration=1)]
                },
            ),
            State.IN_PROGRESS,
            "StaleCondition",
        ),
        (
            "first condition of a type wins",
            obj(status={"conditions": [cond("Ready", "False"), cond("Ready", "True")]}),
            State.IN_PROGRESS,
            "NotReady",
        ),
        ("status null is no status", obj(status=None), State.CURRENT, ""),
    ],
)
def test_compute_status_rules(
    name: str, resource: dict[str, Any], state: State, reason: str
) -> None:
    result = compute_status(resource)
    assert (result.state, result.reason) == (state, reason), name


@pytest.mark.parametrize(
    ("name", "resource", "mentions"),
    [
        ("object not a mapping", ["not", "an", "object"], "object"),
        ("metadata not a dict", {"metadata": "x"}, "metadata"),
        ("status not a dict", obj(status=["Ready"]), "status"),
        ("conditions not a list", obj(status={"conditions": {"type": "Ready"}}), "conditions"),
        ("condition not a dict", obj(status={"conditions": ["Ready"]}), "conditions[0]"),
        ("generation is a string", obj(generation="2"), "metadata.generation"),
        ("generation is a bool", obj(generation=True), "metadata.generation"),
        ("generation is a float", obj(generation=2.0), "metadata.generation"),
        # A non-integer observedGeneration is tolerated and reported since issue 16
        # (tests/informers/test_generic_rules.py).
        (
            "condition status is a YAML bool",
            obj(status={"conditions": [{"type": "Ready", "status": True}]}),
            "status",
        ),
    ],
)
def test_malformed_input_is_unknown_with_reason(name: str, resource: Any, mentions: str) -> None:
    result = compute_status(resource)
    assert result.state is State.UNKNOWN, name
    assert result.reason == "MalformedStatus"
    assert mentions in result.message


@pytest.mark.parametrize(
    ("finalizers", "expected"),
    [
        (
            ["example.com/cleanup", "kubernetes"],
            "waiting for finalizers: example.com/cleanup, kubernetes",
        ),
        ([], "deletion in progress"),
        ("not-a-list", "deletion in progress"),
    ],
)
def test_terminating_message_names_finalizers(finalizers: Any, expected: str) -> None:
    resource = obj(deletionTimestamp="2024-05-01T10:00:00Z", finalizers=finalizers)
    assert compute_status(resource).message == expected


@pytest.mark.parametrize(
    ("kind", "expected_state"),
    [("Stalled", State.FAILED), ("Ready", State.CURRENT), ("Reconciling", State.IN_PROGRESS)],
)
def test_condition_message_is_carried(kind: str, expected_state: State) -> None:
    result = compute_status(obj(status={"conditions": [cond(kind, "True", message="details")]}))
    assert (result.state, result.message) == (expected_state, "details")


@pytest.mark.parametrize("length", [MAX_MESSAGE_CHARS - 1, MAX_MESSAGE_CHARS, 50_000])
def test_message_is_truncated(length: int) -> None:
    message = "x" * length
    result = compute_status(obj(status={"conditions": [cond("Stalled", "True", message=message)]}))
    assert len(result.message) == min(length, MAX_MESSAGE_CHARS)
    assert result.message.endswith("…") == (length > MAX_MESSAGE_CHARS)


@pytest.mark.parametrize("length", [MAX_REASON_CHARS - 1, MAX_REASON_CHARS, 50_000])
def test_reason_is_truncated_like_a_health_rules(length: int) -> None:
    """A CRD's conditions need not follow metav1.Condition: a reason may be any length.
    The generic rules bound it as the health rules do, so one object cannot stretch a list
    or a notification."""
    reason = "Y" * length
    condition = cond("Stalled", "True", reason=reason)
    result = compute_status(obj(status={"conditions": [condition]}))
    assert len(result.reason) == min(length, MAX_REASON_CHARS)
    assert result.reason.endswith("…") == (length > MAX_REASON_CHARS)


@pytest.mark.parametrize(
    ("reasons", "reason", "state"),
    [
        (frozenset({"OutOfBudget"}), "OutOfBudget", State.FAILED),
        (frozenset({"OutOfBudget"}), "InvalidSpec", State.IN_PROGRESS),
        (DEFAULT_FAILURE_REASONS, "OutOfBudget", State.IN_PROGRESS),
    ],
)
def test_failure_reasons_are_configurable(
    reasons: frozenset[str], reason: str, state: State
) -> None:
    resource = obj(status={"conditions": [cond("Ready", "False", reason)]})
    assert compute_status(resource, failure_reasons=reasons).state is state


def test_state_values_are_the_contract_strings() -> None:
    assert [str(s) for s in State] == ["Current", "InProgress", "Failed", "Terminating", "Unknown"]


def test_state_order_sorts_worst_first() -> None:
    shuffled = [State.CURRENT, State.UNKNOWN, State.FAILED, State.IN_PROGRESS, State.TERMINATING]
    assert sorted(shuffled, key=STATE_ORDER.__getitem__) == [
        State.FAILED,
        State.TERMINATING,
        State.IN_PROGRESS,
        State.UNKNOWN,
        State.CURRENT,
    ]


@pytest.mark.parametrize(
    ("state", "since", "now", "threshold", "stuck"),
    [
        (State.IN_PROGRESS, 0.0, 601.0, 600.0, True),
        (State.IN_PROGRESS, 0.0, 600.0, 600.0, False),
        (State.IN_PROGRESS, 0.0, 10.0, 600.0, False),
        (State.TERMINATING, 100.0, 1000.0, 600.0, True),
        (State.FAILED, 0.0, 10_000.0, 600.0, False),
        (State.CURRENT, 0.0, 10_000.0, 600.0, False),
        (State.UNKNOWN, 0.0, 10_000.0, 600.0, False),
    ],
)
def test_is_stuck(state: State, since: float, now: float, threshold: float, stuck: bool) -> None:
    assert is_stuck(state, since, now, threshold) is stuck
