"""Attribution of changes to field managers, from realistic managedFields."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from informers.managedfields import (
    Mark,
    decode_summary,
    encode_summary,
    managers_for_change,
    summarize,
)

# `kubectl apply` (client-side) creating the object.
CLIENT_SIDE_APPLY: dict[str, Any] = {
    "manager": "kubectl-client-side-apply",
    "operation": "Update",
    "apiVersion": "example.com/v1",
    "time": "2024-05-01T10:00:00Z",
    "fieldsType": "FieldsV1",
    "fieldsV1": {
        "f:metadata": {
            "f:annotations": {
                ".": {},
                "f:kubectl.kubernetes.io/last-applied-configuration": {},
            },
            "f:finalizers": {".": {}, 'v:"example.com/cleanup"': {}},
        },
        "f:spec": {
            ".": {},
            "f:image": {},
            "f:replicas": {},
            "f:ports": {
                ".": {},
                'k:{"containerPort":5432,"protocol":"TCP"}': {
                    ".": {},
                    "f:containerPort": {},
                    "f:protocol": {},
                },
            },
        },
    },
}

# The operator writing status through the status subresource.
OPERATOR_STATUS: dict[str, Any] = {
    "manager": "my-operator",
    "operation": "Update",
    "apiVersion": "example.com/v1",
    "time": "2024-05-01T10:00:05Z",
    "fieldsType": "FieldsV1",
    "subresource": "status",
    "fieldsV1": {
        "f:status": {
            ".": {},
            "f:observedGeneration": {},
            "f:conditions": {
                ".": {},
                'k:{"type":"Ready"}': {
                    ".": {},
                    "f:lastTransitionTime": {},
                    "f:message": {},
                    "f:reason": {},
                    "f:status": {},
                    "f:type": {},
                },
            },
        }
    },
}

# A later `kubectl edit` of spec.replicas.
KUBECTL_EDIT: dict[str, Any] = {
    "manager": "kubectl-edit",
    "operation": "Update",
    "apiVersion": "example.com/v1",
    "time": "2024-05-01T11:00:00Z",
    "fieldsType": "FieldsV1",
    "fieldsV1": {"f:spec": {"f:replicas": {}}},
}

# A second controller owning another condition.
SYNCER: dict[str, Any] = {
    "manager": "syncer",
    "operation": "Update",
    "time": "2024-05-01T10:30:00Z",
    "subresource": "status",
    "fieldsV1": {"f:status": {"f:conditions": {'k:{"type":"Synced"}': {".": {}, "f:status": {}}}}},
}

# An entry whose only field disappears in the next version.
CLEANER: dict[str, Any] = {
    "manager": "cleaner",
    "operation": "Update",
    "time": "2024-05-01T10:40:00Z",
    "fieldsV1": {"f:data": {"f:x": {}}},
}


def with_time(entry: dict[str, Any], time: str) -> dict[str, Any]:
    moved = copy.deepcopy(entry)
    moved["time"] = time
    return moved


def attribute(old: Any, new: Any, changed: list[str]) -> list[str]:
    """Attribution as the informer does it: summaries, plus the new full managedFields."""
    before = None if old is None else summarize(old)
    return managers_for_change(before, summarize(new), changed, managed_fields=new)


# CLIENT_SIDE_APPLY after KUBECTL_EDIT took spec.replicas from it: its fields moved, its
# time did not (the apiserver stamps only the writer's entry).
CLIENT_SIDE_APPLY_WITHOUT_REPLICAS: dict[str, Any] = copy.deepcopy(CLIENT_SIDE_APPLY)
del CLIENT_SIDE_APPLY_WITHOUT_REPLICAS["fieldsV1"]["f:spec"]["f:replicas"]


# Owners of a changed path: what the one rule (managers_for_change) falls back on when no
# entry's time or fields moved, so old and new are the same managedFields here.
@pytest.mark.parametrize(
    ("path", "managers"),
    [
        ("/spec", ["kubectl-client-side-apply", "kubectl-edit"]),  # every owner inside it
        ("/spec/image", ["kubectl-client-side-apply"]),
        ("/spec/replicas", ["kubectl-edit"]),  # the newest of its two owners
        ("/spec/ports/containerPort=5432,protocol=TCP", ["kubectl-client-side-apply"]),
        ("/spec/ports/containerPort=5432,protocol=TCP/protocol", ["kubectl-client-side-apply"]),
        (
            "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
            ["kubectl-client-side-apply"],
        ),
        ("/metadata/finalizers/example.com~1cleanup", ["kubectl-client-side-apply"]),
        ("/status", ["my-operator"]),
        ("/status/conditions/type=Ready", ["my-operator"]),
        ("/status/conditions/type=Ready/status", ["my-operator"]),
        ("/status/observedGeneration", ["my-operator"]),
    ],
)
def test_owners_of_a_changed_path(path: str, managers: list[str]) -> None:
    both = [CLIENT_SIDE_APPLY, OPERATOR_STATUS, KUBECTL_EDIT]
    assert attribute(both, both, [path]) == managers


def test_intermediate_nodes_without_dot_are_not_owned() -> None:
    both = [CLIENT_SIDE_APPLY, OPERATOR_STATUS]
    assert attribute(both, both, ["/metadata/labels/team"]) == []  # /metadata: no "."
    assert attribute(both, both, ["/status/conditions/type=Other"]) == ["my-operator"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ([CLIENT_SIDE_APPLY, KUBECTL_EDIT], "kubectl-edit"),
        ([KUBECTL_EDIT, CLIENT_SIDE_APPLY], "kubectl-edit"),
        (
            [with_time(KUBECTL_EDIT, "2024-05-01T09:00:00Z"), CLIENT_SIDE_APPLY],
            "kubectl-client-side-apply",
        ),
        ([with_time(KUBECTL_EDIT, "not a time"), CLIENT_SIDE_APPLY], "kubectl-client-side-apply"),
        ([with_time(KUBECTL_EDIT, "2024-05-01T11:00:00"), CLIENT_SIDE_APPLY], "kubectl-edit"),
    ],
)
def test_newest_owner_wins(order: list[dict[str, Any]], expected: str) -> None:
    assert attribute(order, order, ["/spec/replicas"]) == [expected]


@pytest.mark.parametrize(
    "managed_fields",
    [
        None,
        "garbage",
        {"manager": "x"},
        [None, 3, "x"],
        [{"fieldsV1": {"f:spec": {}}}],
        [{"manager": "x", "fieldsV1": "not a dict"}],
        [{"manager": 7, "fieldsV1": {"f:spec": {}}}],
    ],
)
def test_malformed_managed_fields_give_nothing(managed_fields: Any) -> None:
    assert attribute(managed_fields, managed_fields, ["/spec"]) == []


def test_malformed_keys_are_kept_readable() -> None:
    entry = {"manager": "m", "fieldsV1": {"f:spec": {"k:{broken": {}, "weird": {}, "v:3": {}}}}
    for path in ("/spec/{broken", "/spec/weird", "/spec/3"):
        assert attribute([entry], [entry], [path]) == ["m"]


BEFORE = [CLIENT_SIDE_APPLY, OPERATOR_STATUS]


@pytest.mark.parametrize(
    ("name", "old", "new", "changed", "expected"),
    [
        ("new entry", BEFORE, [*BEFORE, KUBECTL_EDIT], ["/spec/replicas"], ["kubectl-edit"]),
        (
            "moved time",
            BEFORE,
            [CLIENT_SIDE_APPLY, with_time(OPERATOR_STATUS, "2024-05-01T10:10:00Z")],
            [],
            ["my-operator"],
        ),
        (
            "changed fields",
            BEFORE,
            [CLIENT_SIDE_APPLY, {**OPERATOR_STATUS, "fieldsV1": {"f:status": {"f:phase": {}}}}],
            [],
            ["my-operator"],
        ),
        ("fallback: plain field", BEFORE, BEFORE, ["/spec/image"], ["kubectl-client-side-apply"]),
        (
            "fallback: index matched to keyed element",
            BEFORE,
            BEFORE,
            ["/status/conditions/0/status"],
            ["my-operator"],
        ),
        (
            "fallback: longest prefix",
            BEFORE,
            BEFORE,
            ["/spec/newField/deep"],
            ["kubectl-client-side-apply"],
        ),
        (
            "fallback: subtree below a changed path",
            BEFORE,
            BEFORE,
            ["/metadata"],
            ["kubectl-client-side-apply"],
        ),
        (
            "fallback: ambiguous index gives every candidate",
            [*BEFORE, SYNCER],
            [*BEFORE, SYNCER],
            ["/status/conditions/1/status"],
            ["my-operator", "syncer"],
        ),
        (
            "fallback: several paths, sorted unique",
            BEFORE,
            BEFORE,
            ["/status/observedGeneration", "/spec/image", "/spec/replicas"],
            ["kubectl-client-side-apply", "my-operator"],
        ),
        (
            "takeover: only the writer, not the manager that lost the field",
            BEFORE,
            [CLIENT_SIDE_APPLY_WITHOUT_REPLICAS, OPERATOR_STATUS, KUBECTL_EDIT],
            ["/spec/replicas"],
            ["kubectl-edit"],
        ),
        (
            "a vanished entry is not named (its old fields are not kept)",
            [*BEFORE, CLEANER],
            BEFORE,
            ["/data/x"],
            [],
        ),
        (
            "old unknown, changed path unowned: the newest entry wrote last",
            None,
            [*BEFORE, KUBECTL_EDIT],
            ["/data/x"],
            ["kubectl-edit"],
        ),
        (
            "fallback: old unknown",
            None,
            [*BEFORE, KUBECTL_EDIT],
            ["/spec/replicas"],
            ["kubectl-edit"],
        ),
        ("fallback: unowned path", BEFORE, BEFORE, ["/data/x"], []),
        (
            "creation: every entry is new",
            [],
            BEFORE,
            ["/spec", "/status"],
            ["kubectl-client-side-apply", "my-operator"],
        ),
    ],
)
def test_managers_for_change(
    name: str, old: Any, new: Any, changed: list[str], expected: list[str]
) -> None:
    assert attribute(old, new, changed) == expected, name


def test_entries_are_told_apart_by_subresource() -> None:
    main = {**OPERATOR_STATUS, "subresource": "", "fieldsV1": {"f:spec": {"f:paused": {}}}}
    new = [*BEFORE, main]
    assert attribute(BEFORE, new, ["/spec/paused"]) == ["my-operator"]
    assert attribute(new, new, ["/spec/paused"]) == ["my-operator"]
    assert attribute(new, new, ["/spec/image"]) == ["kubectl-client-side-apply"]


def test_too_deep_fields_do_not_raise() -> None:
    fields: dict[str, Any] = {}
    node = fields
    for _ in range(5000):
        node["f:x"] = {}
        node = node["f:x"]
    node["f:leaf"] = {}
    entry = {"manager": "m", "fieldsV1": {"f:spec": fields}}
    assert attribute([entry], [entry], ["/spec/x"]) == []
    assert attribute(None, [entry], ["/spec/x"]) == []


def test_a_stored_summary_attributes_like_the_live_one() -> None:
    """The history writer compares with a summary read back from the database."""
    new = [*BEFORE, KUBECTL_EDIT]
    stored = decode_summary(encode_summary(summarize(BEFORE)))
    assert stored == summarize(BEFORE)
    assert managers_for_change(stored, summarize(new), ["/spec/replicas"]) == ["kubectl-edit"]


@pytest.mark.parametrize(
    "stored",
    [None, "x", [["m", "Update", "", "t"]], [["m", "Update", "", "t", "not a checksum"]], [3]],
)
def test_an_unreadable_stored_summary_is_unknown(stored: Any) -> None:
    assert decode_summary(stored) is None


def test_summary_keeps_time_and_a_checksum_of_the_fields() -> None:
    summary = summarize([OPERATOR_STATUS, {"manager": ""}, "junk"])
    assert list(summary) == [("my-operator", "Update", "status")]
    mark = summary[("my-operator", "Update", "status")]
    assert isinstance(mark, Mark)
    assert mark.time == "2024-05-01T10:00:05Z"
    assert mark != summarize([{**OPERATOR_STATUS, "fieldsV1": {}}])[mark_key(OPERATOR_STATUS)]


def mark_key(entry: dict[str, Any]) -> tuple[str, str, str]:
    return entry["manager"], entry["operation"], entry.get("subresource", "")
