"""The one rule for applying an allowed-namespace answer: empty means nothing, in every scope."""

from __future__ import annotations

import pytest

from dashboard.core.auth.access import namespace_filter, shows_namespace
from informers import KindInfo

NAMESPACED = KindInfo(group="g", version="v1", kind="W", plural="ws", namespaced=True)
CLUSTER = KindInfo(group="g", version="v1", kind="C", plural="cs", namespaced=False)


@pytest.mark.parametrize(
    ("allowed", "kind", "expected"),
    [
        (None, NAMESPACED, None),
        (None, CLUSTER, None),
        (set(), NAMESPACED, []),
        (set(), CLUSTER, []),  # was None: a revoked user saw the whole kind
        ({"b", "a"}, NAMESPACED, ["a", "b"]),
    ],
)
def test_namespace_filter(allowed: set[str] | None, kind: KindInfo, expected: object) -> None:
    assert namespace_filter(allowed, kind) == expected


@pytest.mark.parametrize(
    ("allowed", "kind", "namespace", "expected"),
    [
        (None, NAMESPACED, "a", True),
        (None, CLUSTER, None, True),
        (set(), NAMESPACED, "a", False),
        (set(), CLUSTER, None, False),  # was True
        ({"a"}, NAMESPACED, "a", True),
        ({"a"}, NAMESPACED, "b", False),
        ({"a"}, NAMESPACED, None, False),
    ],
)
def test_shows_namespace(
    allowed: set[str] | None, kind: KindInfo, namespace: str | None, expected: bool
) -> None:
    assert shows_namespace(allowed, kind, namespace) is expected


@pytest.mark.parametrize(
    ("allowed", "kind", "requested", "expected"),
    [
        (None, NAMESPACED, "a", ["a"]),
        ({"a", "b"}, NAMESPACED, "a", ["a"]),
        ({"a"}, NAMESPACED, "b", []),  # not visible: the same answer as "not there"
        (set(), NAMESPACED, "a", []),
        ({"a"}, CLUSTER, "a", ["a"]),
        (set(), CLUSTER, "a", []),
    ],
)
def test_namespace_filter_for_a_requested_namespace(
    allowed: set[str] | None, kind: KindInfo, requested: str, expected: list[str]
) -> None:
    """Pages, watches and /health cut a ``?namespace=`` with this one rule."""
    assert namespace_filter(allowed, kind, requested) == expected
