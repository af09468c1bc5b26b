"""The generic rules of issue 16: phases, more condition types, observedGeneration anywhere,
hostile values tolerated and reported, and every decision naming its rule.

The shapes are the ones the projects document: Velero and Argo Workflows write
``status.phase``, Tekton and Knative runs a ``Succeeded`` condition, Crossplane ``Synced``
under ``Ready``, Deployments-style controllers ``Available``/``Degraded``, Jobs ``Failed``,
Argo Rollouts a string ``observedGeneration``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from informers.status import MAX_INPUT_CHARS, MAX_MESSAGE_CHARS, State, Status, compute_status


def cond(
    kind: str, status: str, reason: str = "", message: str = "", **extra: Any
) -> dict[str, Any]:
    found: dict[str, Any] = {"type": kind, "status": status, **extra}
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


def obj(status: Any = None, generation: Any = 3) -> dict[str, Any]:
    result: dict[str, Any] = {"metadata": {"name": "x", "generation": generation}}
    if status is not None:
        result["status"] = status
    return result


def conditions(*items: dict[str, Any], **status: Any) -> dict[str, Any]:
    return obj({"conditions": list(items), **status})


CASES: list[tuple[str, dict[str, Any], State, str, str]] = [
    # -- status.phase ------------------------------------------------------------------------
    ("velero backup failed", obj({"phase": "Failed"}), State.FAILED, "Failed", "generic/phase"),
    (
        "velero partially failed",
        obj({"phase": "PartiallyFailed"}),
        State.FAILED,
        "PartiallyFailed",
        "generic/phase",
    ),
    (
        "velero failed validation",
        obj({"phase": "FailedValidation"}),
        State.FAILED,
        "FailedValidation",
        "generic/phase",
    ),
    (
        "velero waiting, already partially failed",
        obj({"phase": "WaitingForPluginOperationsPartiallyFailed"}),
        State.FAILED,
        "WaitingForPluginOperationsPartiallyFailed",
        "generic/phase",
    ),
    (
        "velero in progress",
        obj({"phase": "InProgress"}),
        State.IN_PROGRESS,
        "InProgress",
        "generic/phase",
    ),
    (
        "velero waiting for plugins",
        obj({"phase": "WaitingForPluginOperations"}),
        State.IN_PROGRESS,
        "WaitingForPluginOperations",
        "generic/phase",
    ),
    ("velero completed", obj({"phase": "Completed"}), State.CURRENT, "Completed", "generic/phase"),
    ("argo workflow error", obj({"phase": "Error"}), State.FAILED, "Error", "generic/phase"),
    (
        "argo workflow succeeded",
        obj({"phase": "Succeeded"}),
        State.CURRENT,
        "Succeeded",
        "generic/phase",
    ),
    ("pending", obj({"phase": "Pending"}), State.IN_PROGRESS, "Pending", "generic/phase"),
    ("running is the goal", obj({"phase": "Running"}), State.CURRENT, "Running", "generic/phase"),
    ("rollouts degraded", obj({"phase": "Degraded"}), State.FAILED, "Degraded", "generic/phase"),
    (
        "kubevirt error word",
        obj({"phase": "ErrorUnschedulable"}),
        State.FAILED,
        "ErrorUnschedulable",
        "generic/phase",
    ),
    (
        "spelling is normalised",
        obj({"phase": "IN_PROGRESS"}),
        State.IN_PROGRESS,
        "IN_PROGRESS",
        "generic/phase",
    ),
    ("phase unknown", obj({"phase": "Unknown"}), State.UNKNOWN, "Unknown", "generic/phase"),
    (
        "free-text phase decides nothing",
        obj({"phase": "Cluster in healthy state"}),
        State.CURRENT,
        "",
        "generic/default",
    ),
    (
        "a completed run outranks Ready=False",
        conditions(cond("Ready", "False", "PodCompleted"), phase="Succeeded"),
        State.CURRENT,
        "Succeeded",
        "generic/phase",
    ),
    (
        "a failed phase outranks Ready=True",
        conditions(cond("Ready", "True"), phase="Failed"),
        State.FAILED,
        "Failed",
        "generic/phase",
    ),
    (
        "Ready=False outranks a running phase",
        conditions(cond("Ready", "False", "Waiting"), phase="Running"),
        State.IN_PROGRESS,
        "Waiting",
        "generic/ready-condition",
    ),
    (
        "Reconciling outranks a failed phase",
        conditions(cond("Reconciling", "True"), phase="Failed"),
        State.IN_PROGRESS,
        "Reconciling",
        "generic/reconciling-condition",
    ),
    (
        "an unseen spec outranks a failed phase",
        obj({"phase": "Failed", "observedGeneration": 2}),
        State.IN_PROGRESS,
        "GenerationMismatch",
        "generic/observed-generation",
    ),
    # -- Succeeded (Tekton, Knative runs) ----------------------------------------------------
    (
        "tekton run failed",
        conditions(cond("Succeeded", "False", "Failed")),
        State.FAILED,
        "Failed",
        "generic/succeeded-condition",
    ),
    (
        "tekton run timed out",
        conditions(cond("Succeeded", "False", "TaskRunTimeout")),
        State.FAILED,
        "TaskRunTimeout",
        "generic/succeeded-condition",
    ),
    (
        "tekton run running",
        conditions(cond("Succeeded", "Unknown", "Running")),
        State.IN_PROGRESS,
        "Running",
        "generic/succeeded-condition",
    ),
    (
        "tekton run succeeded",
        conditions(cond("Succeeded", "True", "Succeeded")),
        State.CURRENT,
        "Succeeded",
        "generic/succeeded-condition",
    ),
    (
        "a failed run outranks a stale Ready=True",
        conditions(cond("Ready", "True"), cond("Succeeded", "False", "Cancelled")),
        State.FAILED,
        "Cancelled",
        "generic/succeeded-condition",
    ),
    # -- Synced (Crossplane) -----------------------------------------------------------------
    (
        "crossplane: Synced=False ReconcileError under Ready=True",
        conditions(cond("Ready", "True", "Available"), cond("Synced", "False", "ReconcileError")),
        State.FAILED,
        "ReconcileError",
        "generic/synced-condition",
    ),
    (
        "crossplane: a paused resource is not failed",
        conditions(cond("Ready", "True", "Available"), cond("Synced", "False", "ReconcilePaused")),
        State.CURRENT,
        "Available",
        "generic/ready-condition",
    ),
    # -- Degraded, Available, Failed ---------------------------------------------------------
    (
        "degraded under available",
        conditions(cond("Available", "True"), cond("Degraded", "True", "OperandCrashing")),
        State.FAILED,
        "OperandCrashing",
        "generic/degraded-condition",
    ),
    (
        "not degraded, available",
        conditions(cond("Available", "True"), cond("Degraded", "False")),
        State.CURRENT,
        "Available",
        "generic/available-condition",
    ),
    (
        "not available yet",
        conditions(cond("Available", "False", "MinimumReplicasUnavailable")),
        State.IN_PROGRESS,
        "MinimumReplicasUnavailable",
        "generic/available-condition",
    ),
    (
        "not available with a failure reason",
        conditions(cond("Available", "False", "ProvisioningFailed")),
        State.FAILED,
        "ProvisioningFailed",
        "generic/available-condition",
    ),
    (
        "Ready outranks Available",
        conditions(cond("Available", "False"), cond("Ready", "True")),
        State.CURRENT,
        "Ready",
        "generic/ready-condition",
    ),
    (
        "job failed",
        conditions(cond("Failed", "True", "BackoffLimitExceeded")),
        State.FAILED,
        "BackoffLimitExceeded",
        "generic/failed-condition",
    ),
    (
        "Failed=False decides nothing",
        conditions(cond("Failed", "False")),
        State.CURRENT,
        "",
        "generic/default",
    ),
    # -- observedGeneration on any condition -------------------------------------------------
    (
        "only an unwatched condition, describing an older generation",
        conditions(cond("Progressing", "True", observedGeneration=2)),
        State.IN_PROGRESS,
        "StaleCondition",
        "generic/observed-generation",
    ),
    (
        "a stale Degraded is not a failure",
        conditions(
            cond("Degraded", "True", observedGeneration=2),
            cond("Other", "True", observedGeneration=3),
        ),
        State.IN_PROGRESS,
        "StaleCondition",
        "generic/observed-generation",
    ),
    (
        "status.observedGeneration outranks the conditions' newest",
        conditions(cond("Progressing", "True", observedGeneration=2), observedGeneration=3),
        State.CURRENT,
        "",
        "generic/default",
    ),
    # -- the rest keeps kstatus' order ---------------------------------------------------------
    ("no status", obj(), State.CURRENT, "", "generic/default"),
    (
        "deleting",
        {"metadata": {"name": "x", "deletionTimestamp": "2024-05-01T10:00:00Z"}},
        State.TERMINATING,
        "Deleting",
        "generic/deletion",
    ),
    ("unreadable status", obj(["x"]), State.UNKNOWN, "MalformedStatus", "generic/readable-status"),
]


@pytest.mark.parametrize(("name", "resource", "state", "reason", "rule"), CASES)
def test_generic_rule(
    name: str, resource: dict[str, Any], state: State, reason: str, rule: str
) -> None:
    result = compute_status(resource)
    assert (result.state, result.reason, result.rule) == (state, reason, rule), name


@pytest.mark.parametrize(("name", "resource"), [(c[0], c[1]) for c in CASES])
def test_every_decision_says_why(name: str, resource: dict[str, Any]) -> None:
    result = compute_status(resource)
    assert result.rule.startswith("generic/"), name
    assert result.when, name
    for key, value in result.inputs:
        assert isinstance(key, str)
        json.dumps(value)  # a JSON scalar
        assert value is None or isinstance(value, (str, int, float, bool)), name


def test_why_names_the_values_read() -> None:
    result = compute_status(
        conditions(cond("Ready", "True"), cond("Synced", "False", "ReconcileError"))
    )
    assert result.when == (
        'conditions.Synced.status == "False" && conditions.Synced.reason is a failure reason'
    )
    assert result.inputs == (
        ("conditions.Synced.status", "False"),
        ("conditions.Synced.reason", "ReconcileError"),
    )
    phased = compute_status(obj({"phase": "PartiallyFailed", "message": "2 items failed"}))
    assert phased.inputs == (("status.phase", "PartiallyFailed"),)
    assert phased.message == "2 items failed"


# -- tolerated values --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("observed", "state", "reason"),
    [
        ("3", State.CURRENT, ""),  # Argo Rollouts: the generation, as a string
        ("2", State.IN_PROGRESS, "GenerationMismatch"),
        (3.0, State.CURRENT, ""),
        (-1, State.IN_PROGRESS, "GenerationMismatch"),  # "not observed yet" sentinels
    ],
)
def test_observed_generation_that_spells_a_number_is_read(
    observed: Any, state: State, reason: str
) -> None:
    result = compute_status(obj({"observedGeneration": observed}))
    assert (result.state, result.reason) == (state, reason)
    assert "ignored" not in result.message


@pytest.mark.parametrize(
    ("observed", "shown"),
    [
        ("5d8f9c7b6", "'5d8f9c7b6'"),  # Argo Rollouts before 1.0: a spec hash
        (True, "True"),
        (False, "False"),
        (2.5, "2.5"),
        (float("inf"), "inf"),
        (float("nan"), "nan"),
        (2**63, str(2**63)),
        pytest.param(10**5000, "an integer of", id="5000-digit int"),
        ("9" * 30, "'999"),
        ("\u0663", "'\u0663'"),  # an Arabic-Indic three: int() reads it, no controller writes it
        ("", "''"),
        ("-", "'-'"),
        ({"generation": 3}, "a JSON object"),
        ([3], "a list"),
    ],
)
def test_non_integer_observed_generation_is_tolerated_and_reported(
    observed: Any, shown: str
) -> None:
    result = compute_status(conditions(cond("Ready", "True"), observedGeneration=observed))
    assert (result.state, result.reason, result.rule) == (
        State.CURRENT,
        "Ready",
        "generic/ready-condition",
    )
    assert "status.observedGeneration is " + shown in result.message
    assert result.message.endswith("not an integer generation; ignored")


@pytest.mark.parametrize(
    "observed", ["abc", True, 1.5, 10**400], ids=["str", "bool", "float", "huge"]
)
def test_non_integer_condition_observed_generation_is_tolerated(observed: Any) -> None:
    resource = conditions(cond("Ready", "False", "Waiting", observedGeneration=observed))
    result = compute_status(resource)
    assert (result.state, result.reason) == (State.IN_PROGRESS, "Waiting")
    assert "status.conditions[0].observedGeneration is" in result.message


@pytest.mark.parametrize(
    ("phase", "shown"),
    [
        (5, "5"),
        (True, "True"),
        (1.5, "1.5"),
        (["Failed"], "a list"),
        ({"name": "Failed"}, "a JSON object"),
        pytest.param(list(range(100_000)), "a list", id="long list"),
        pytest.param(10**5000, "an integer of", id="5000-digit int"),
    ],
)
def test_phase_of_wrong_type_is_tolerated_and_reported(phase: Any, shown: str) -> None:
    result = compute_status(obj({"phase": phase}))
    assert (result.state, result.rule) == (State.CURRENT, "generic/default")
    assert f"status.phase is {shown}" in result.message
    assert len(result.message) < 200


def test_huge_phase_string_is_cut_in_the_inputs() -> None:
    result = compute_status(obj({"phase": "x" * 100_000}))
    assert result.state is State.CURRENT
    ((key, value),) = result.inputs
    assert key == "status.phase" and len(value) == MAX_INPUT_CHARS


def test_a_long_message_is_cut_before_the_note() -> None:
    resource = conditions(cond("Ready", "False", "Waiting", "m" * 5000), observedGeneration="h")
    result = compute_status(resource)
    assert len(result.message) <= MAX_MESSAGE_CHARS
    assert result.message.endswith(
        "status.observedGeneration is 'h', not an integer generation; ignored"
    )


@pytest.mark.parametrize(
    "generation", [10**5000, 2**63, "3", 3.0, True], ids=["huge", "2^63", "str", "float", "bool"]
)
def test_a_bad_metadata_generation_is_unknown_not_a_crash(generation: Any) -> None:
    result = compute_status(obj({"observedGeneration": 3}, generation=generation))
    assert (result.state, result.reason) == (State.UNKNOWN, "MalformedStatus")
    assert "metadata.generation" in result.message
    assert len(result.message) < 200


def test_a_huge_condition_type_does_not_make_a_huge_message() -> None:
    result = compute_status(conditions({"type": "T" * 100_000, "status": 5}))
    assert result.state is State.UNKNOWN
    assert len(result.message) < 300


def test_status_fields_default_for_old_call_sites() -> None:
    assert Status(State.CURRENT, "", "") == Status(State.CURRENT, "", "", "", (), "")
