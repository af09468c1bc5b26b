"""Printer columns: the JSONPath subset kubectl accepts, evaluated without a framework.

Why in-process: lists in the UI and the API show these values for any CRD; the
evaluator is pure, so its rules are a table.
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.columns import column_values, evaluate, key_segments, parent_values
from informers.kinds import PrinterColumn

OBJ: dict[str, Any] = {
    "metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "shop"}},
    "spec": {"replicas": 3, "ports": [{"port": 80}, {"port": 443}], "empty": []},
    "status": {
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "Done"},
            {"type": "Synced", "status": "False", "reason": "Lagging"},
        ]
    },
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (".spec.replicas", 3),
        ("{.spec.replicas}", 3),
        ("$.spec.replicas", 3),
        (".spec.ports[0].port", 80),
        (".spec.ports[-1].port", 443),
        (".spec.ports[*].port", [80, 443]),
        (".metadata.labels['app.kubernetes.io/name']", "shop"),
        ('.status.conditions[?(@.type=="Ready")].status', "True"),
        (".status.conditions[?(@.type=='Synced')].reason", "Lagging"),
        (".spec.missing", None),
        (".spec.ports[5].port", None),
        (".spec.empty[*]", None),
        (".spec.replicas | length", None),  # outside the subset: None, not an error
    ],
)
def test_a_column_path_evaluates_like_kubectl(path: str, value: Any) -> None:
    assert evaluate(OBJ, path) == value


def test_column_values_are_scalars_with_fan_outs_joined_and_objects_hidden() -> None:
    columns = [
        PrinterColumn(name="Replicas", json_path=".spec.replicas"),
        PrinterColumn(name="Ports", json_path=".spec.ports[*].port"),
        PrinterColumn(name="Spec", json_path=".spec"),
        PrinterColumn(name="Age", json_path=".metadata.creationTimestamp"),
    ]
    assert column_values(OBJ, columns) == {
        "Replicas": 3,
        "Ports": "80,443",
        "Spec": None,
        "Age": None,
    }


def test_redaction_reads_a_path_the_way_the_evaluator_does() -> None:
    assert (
        key_segments(".spec['password']")
        == key_segments(".spec.password")
        == (
            "spec",
            "password",
        )
    )
    assert key_segments('.env[?(@.name=="X")].value') == ("env", "*", "value")
    assert key_segments(".spec.replicas | length") is None
    assert parent_values(OBJ, ".spec.ports[1].port") == [{"port": 443}]
    assert parent_values(OBJ, ".spec.ports[0]") == []
