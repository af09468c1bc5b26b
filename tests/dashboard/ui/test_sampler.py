"""A card's sparkline is cut to the viewer's namespaces by the rule its counts use."""

from __future__ import annotations

import pytest

from dashboard.ui.pages.home.sampler import KindSample
from informers import KindInfo

NAMESPACED = KindInfo("g", "v1", "W", "ws", namespaced=True)
CLUSTER = KindInfo("g", "v1", "C", "cs", namespaced=False)


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [(None, (4, 6)), ({"a"}, (1, 2)), ({"a", "b"}, (4, 6)), ({"c"}, (0, 0)), (set(), (0, 0))],
)
def test_a_namespaced_kinds_sample_counts_the_allowed_namespaces(
    allowed: set[str] | None, expected: tuple[int, int]
) -> None:
    sample = KindSample(failed=4, progress=6, by_namespace={"a": (1, 2), "b": (3, 4)})
    assert sample.for_namespaces(allowed, NAMESPACED) == expected


@pytest.mark.parametrize(
    ("allowed", "expected"), [(None, (5, 6)), ({"x"}, (5, 6)), (set(), (0, 0))]
)
def test_a_cluster_scoped_kinds_sample_follows_access_namespace_filter(
    allowed: set[str] | None, expected: tuple[int, int]
) -> None:
    """As ``count_kind`` does: a non-empty grant shows the whole cluster-scoped kind."""
    sample = KindSample(failed=5, progress=6, by_namespace={"": (5, 6)})
    assert sample.for_namespaces(allowed, CLUSTER) == expected
