"""An Event counts as being about an object only when it lives in that object's namespace.

Unit tests of ``event_record``; the end-to-end spoofing test is
``tests/security/test_event_spoofing.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from informers.events import event_record


def _event(event_ns: str, involved_ns: str | None) -> dict[str, Any]:
    involved: dict[str, Any] = {
        "apiVersion": "demo.crscope.dev/v1",
        "kind": "Widget",
        "name": "w",
        "uid": "u-1",
    }
    if involved_ns is not None:
        involved["namespace"] = involved_ns
    return {
        "metadata": {"uid": "e-1", "namespace": event_ns, "resourceVersion": "5"},
        "involvedObject": involved,
        "reason": "Planted",
    }


@pytest.mark.parametrize(
    ("event_ns", "involved_ns", "kept", "namespace"),
    [
        ("shop", "shop", True, "shop"),  # the ordinary case
        ("attacker", "shop", False, None),  # names another namespace's object: dropped
        ("default", None, True, None),  # about a cluster-scoped object: no namespace
        ("default", "", True, None),
    ],
)
def test_an_event_is_kept_only_in_its_objects_namespace(
    event_ns: str, involved_ns: str | None, kept: bool, namespace: str | None
) -> None:
    record = event_record(_event(event_ns, involved_ns), lambda group, kind: "g/widgets")
    assert (record is not None) == kept
    if record is not None:
        assert record.namespace == namespace
