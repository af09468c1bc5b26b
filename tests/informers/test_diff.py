"""Field-level diffs: paths, list matching, ordering, noise, and the timeline summary."""

from __future__ import annotations

from typing import Any

import pytest

from informers.diff import FieldChange, changed_paths, diff, is_noise, readable_path

JSON = dict[str, Any]
Row = tuple[str, str, Any, Any]


def ops(changes: list[FieldChange]) -> list[Row]:
    return [(c.op, c.path, c.old, c.new) for c in changes]


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("identical", {"spec": {"a": 1}}, {"spec": {"a": 1}}, []),
        (
            "scalar replaced",
            {"spec": {"replicas": 2}},
            {"spec": {"replicas": 3}},
            [("replace", "/spec/replicas", 2, 3)],
        ),
        (
            "key added",
            {"spec": {}},
            {"spec": {"image": "nginx"}},
            [("add", "/spec/image", None, "nginx")],
        ),
        (
            "key removed",
            {"spec": {"image": "nginx"}},
            {"spec": {}},
            [("remove", "/spec/image", "nginx", None)],
        ),
        (
            "type change int to float",
            {"spec": {"x": 1}},
            {"spec": {"x": 1.0}},
            [("replace", "/spec/x", 1, 1.0)],
        ),
        (
            "type change bool to int",
            {"spec": {"x": True}},
            {"spec": {"x": 1}},
            [("replace", "/spec/x", True, 1)],
        ),
        (
            "value to null",
            {"spec": {"x": "a"}},
            {"spec": {"x": None}},
            [("replace", "/spec/x", "a", None)],
        ),
        (
            "dict replaced by list",
            {"spec": {"x": {"a": 1}}},
            {"spec": {"x": [1]}},
            [("replace", "/spec/x", {"a": 1}, [1])],
        ),
        (
            "slash and tilde escaped",
            {"metadata": {"labels": {}}},
            {"metadata": {"labels": {"app.kubernetes.io/name": "db", "a~b": "c"}}},
            [
                ("add", "/metadata/labels/app.kubernetes.io~1name", None, "db"),
                ("add", "/metadata/labels/a~0b", None, "c"),
            ],
        ),
        (
            "scalar list by index",
            {"spec": {"args": ["a", "b"]}},
            {"spec": {"args": ["a", "c"]}},
            [("replace", "/spec/args/1", "b", "c")],
        ),
        (
            "scalar list grows",
            {"spec": {"args": ["a"]}},
            {"spec": {"args": ["a", "b", "c"]}},
            [("add", "/spec/args/1", None, "b"), ("add", "/spec/args/2", None, "c")],
        ),
        (
            "scalar list shrinks",
            {"spec": {"args": ["a", "b"]}},
            {"spec": {"args": []}},
            [("remove", "/spec/args/0", "a", None), ("remove", "/spec/args/1", "b", None)],
        ),
        (
            "nested change",
            {"spec": {"a": {"b": {"c": 1, "d": 2}}}},
            {"spec": {"a": {"b": {"c": 1, "d": 3}}}},
            [("replace", "/spec/a/b/d", 2, 3)],
        ),
    ],
)
def test_diff(name: str, old: JSON, new: JSON, expected: list[Row]) -> None:
    assert ops(diff(old, new)) == expected, name


def conditions(*items: tuple[str, str]) -> JSON:
    return {"status": {"conditions": [{"type": t, "status": s} for t, s in items]}}


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "reordered conditions are unchanged",
            conditions(("Ready", "True"), ("Synced", "True")),
            conditions(("Synced", "True"), ("Ready", "True")),
            [],
        ),
        (
            "changed condition uses its new index",
            conditions(("Ready", "False"), ("Synced", "True")),
            conditions(("Synced", "True"), ("Ready", "True")),
            [("replace", "/status/conditions/1/status", "False", "True")],
        ),
        (
            "inserted condition is one add",
            conditions(("Ready", "True")),
            conditions(("Stalled", "False"), ("Ready", "True")),
            [("add", "/status/conditions/0", None, {"type": "Stalled", "status": "False"})],
        ),
        (
            "removed condition uses its old index",
            conditions(("Ready", "True"), ("Stalled", "True")),
            conditions(("Ready", "True")),
            [("remove", "/status/conditions/1", {"type": "Stalled", "status": "True"}, None)],
        ),
        (
            "swapped key at one index: remove before add",
            conditions(("Ready", "True")),
            conditions(("Synced", "True")),
            [
                ("remove", "/status/conditions/0", {"type": "Ready", "status": "True"}, None),
                ("add", "/status/conditions/0", None, {"type": "Synced", "status": "True"}),
            ],
        ),
        (
            "containers matched by name",
            {
                "spec": {
                    "containers": [{"name": "app", "image": "a:1"}, {"name": "side", "image": "s"}]
                }
            },
            {
                "spec": {
                    "containers": [{"name": "side", "image": "s"}, {"name": "app", "image": "a:2"}]
                }
            },
            [("replace", "/spec/containers/1/image", "a:1", "a:2")],
        ),
        (
            "duplicate names fall back to index",
            {"spec": {"x": [{"name": "a", "v": 1}, {"name": "a", "v": 2}]}},
            {"spec": {"x": [{"name": "a", "v": 2}, {"name": "a", "v": 2}]}},
            [("replace", "/spec/x/0/v", 1, 2)],
        ),
        (
            "mixed elements fall back to index",
            {"spec": {"x": [{"name": "a"}, "b"]}},
            {"spec": {"x": ["b", {"name": "a"}]}},
            [
                ("replace", "/spec/x/0", {"name": "a"}, "b"),
                ("replace", "/spec/x/1", "b", {"name": "a"}),
            ],
        ),
    ],
)
def test_diff_keyed_lists(name: str, old: JSON, new: JSON, expected: list[Row]) -> None:
    assert ops(diff(old, new)) == expected, name


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            None,
            {"spec": {"a": 1}, "metadata": {"name": "x"}},
            [("add", "/metadata", None, {"name": "x"}), ("add", "/spec", None, {"a": 1})],
        ),
        (
            {"spec": {"a": 1}, "kind": "Db"},
            None,
            [("remove", "/kind", "Db", None), ("remove", "/spec", {"a": 1}, None)],
        ),
        (None, None, []),
    ],
)
def test_diff_with_a_missing_side(old: JSON | None, new: JSON | None, expected: list[Row]) -> None:
    assert ops(diff(old, new)) == expected


def test_numeric_segments_sort_as_numbers() -> None:
    old = {"spec": {"args": [str(i) for i in range(12)]}}
    new = {"spec": {"args": [f"{i}!" for i in range(12)]}}
    paths = [c.path for c in diff(old, new)]
    assert paths == [f"/spec/args/{i}" for i in range(12)]


@pytest.mark.parametrize(
    ("path", "noisy"),
    [
        ("/metadata/resourceVersion", True),
        ("/metadata/managedFields", True),
        ("/metadata/managedFields/0/time", True),
        ("/metadata/generation", True),
        ("/status/observedGeneration", True),
        ("/status/conditions/0/observedGeneration", True),
        ("/status/conditions/12/observedGeneration", True),
        ("/status/conditions/0/lastTransitionTime", True),
        ("/status/nodes/3/health/lastHeartbeatTime", True),
        ("/status/lastUpdateTime", True),
        ("/status/probe/lastProbeTime", True),
        ("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration", True),
        ("/spec/replicas", False),
        ("/spec/lastTransitionTime", False),
        ("/metadata/resourceVersionX", False),
        ("/metadata/generateName", False),
        ("/metadata/annotations/example.com~1owner", False),
        ("/status/conditions/0/status", False),
        ("/status/other/0/observedGeneration", False),
        ("/status", False),
    ],
)
def test_is_noise(path: str, noisy: bool) -> None:
    assert is_noise(path) is noisy


BASE = {
    "metadata": {"name": "db", "resourceVersion": "1", "generation": 1, "managedFields": [{}]},
    "spec": {"replicas": 1},
    "status": {
        "observedGeneration": 1,
        "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "t1", "observedGeneration": 1}
        ],
    },
}
BUMPED = {
    "metadata": {
        "name": "db",
        "resourceVersion": "2",
        "generation": 2,
        "managedFields": [{}, {"manager": "x"}],
    },
    "spec": {"replicas": 2},
    "status": {
        "observedGeneration": 2,
        "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "t2", "observedGeneration": 2}
        ],
    },
}


@pytest.mark.parametrize(
    ("noise", "expected"),
    [
        (False, ["/spec/replicas"]),
        (
            True,
            [
                "/metadata/generation",
                "/metadata/managedFields/1",
                "/metadata/resourceVersion",
                "/spec/replicas",
                "/status/conditions/0/lastTransitionTime",
                "/status/conditions/0/observedGeneration",
                "/status/observedGeneration",
            ],
        ),
    ],
)
def test_noise_is_hidden_unless_asked(noise: bool, expected: list[str]) -> None:
    assert [c.path for c in diff(BASE, BUMPED, noise=noise)] == expected


def test_as_dict() -> None:
    change = FieldChange("replace", "/spec/replicas", 1, 2)
    assert change.as_dict() == {"op": "replace", "path": "/spec/replicas", "old": 1, "new": 2}


def test_diff_does_not_mutate_inputs() -> None:
    old = {"spec": {"items": [{"name": "a", "v": 1}]}}
    new = {"spec": {"items": [{"name": "b", "v": 1}]}}
    before = (repr(old), repr(new))
    diff(old, new)
    assert (repr(old), repr(new)) == before


def nested(depth: int, leaf: Any) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth):
        node["x"] = {}
        node = node["x"]
    node["leaf"] = leaf
    return root


def test_deep_objects_are_diffed() -> None:
    changes = diff({"spec": nested(100, 1)}, {"spec": nested(100, 2)})
    assert [c.path for c in changes] == ["/spec" + "/x" * 100 + "/leaf"]


def test_too_deep_objects_degrade_to_one_replace() -> None:
    old, new = {"spec": nested(5000, 1)}, {"spec": nested(5000, 2)}
    changes = diff(old, new)
    assert [(c.op, c.path) for c in changes] == [("replace", "")]
    assert changes[0].old is old and changes[0].new is new


def changes_at(*paths: str) -> list[FieldChange]:
    return [FieldChange("replace", p, 1, 2) for p in paths]


@pytest.mark.parametrize(
    ("paths", "max_paths", "expected"),
    [
        ([], 20, []),
        (["/spec/a", "/spec/b"], 20, ["/spec/a", "/spec/b"]),
        (["/spec/a", "/spec/a", "/spec/b"], 20, ["/spec/a", "/spec/b"]),
        (["/spec/a/x/1", "/spec/a/x/2", "/spec/b"], 2, ["/spec/a/x", "/spec/b"]),
        (["/spec/a/x/1", "/spec/a/y/2", "/spec/b"], 2, ["/spec/a", "/spec/b"]),
        (["/spec/a", "/status/b", "/metadata/c"], 2, ["/spec", "/status"]),
        (["/a", "/b", "/c"], 2, ["/a", "/b"]),
    ],
)
def test_changed_paths(paths: list[str], max_paths: int, expected: list[str]) -> None:
    assert changed_paths(changes_at(*paths), max_paths=max_paths) == expected


def test_changed_paths_rejects_a_useless_limit() -> None:
    with pytest.raises(ValueError, match="max_paths"):
        changed_paths(changes_at("/a"), max_paths=0)


@pytest.mark.parametrize(
    ("pointer", "documents", "expected"),
    [
        ("/spec/size", ({"spec": {"size": 1}},), "spec.size"),
        (
            "/status/conditions/1/message",
            ({"status": {"conditions": [{"type": "Ready"}, {"type": "Synced", "message": "x"}]}},),
            "status.conditions[Synced].message",
        ),
        (
            "/spec/containers/0/image",
            ({"spec": {"containers": [{"name": "web"}]}},),
            "spec.containers[web].image",
        ),
        ("/spec/args/2", ({"spec": {"args": ["a", "b", "c"]}},), "spec.args[2]"),
        # Removed elements are only in the old body.
        (
            "/status/conditions/1",
            (
                {"status": {"conditions": [{"type": "A"}]}},
                {"status": {"conditions": [{"type": "A"}, {"type": "Gone"}]}},
            ),
            "status.conditions[Gone]",
        ),
        (
            "/metadata/annotations/example.com~1note",
            ({"metadata": {"annotations": {"example.com/note": "x"}}},),
            'metadata.annotations["example.com/note"]',
        ),
        ("/spec/items/0", ({"spec": {"items": [{"name": "0"}]}},), 'spec.items["0"]'),
        ("/spec/items/3/x", ({},), "spec.items[3].x"),
        ("/a b", ({"a b": 1},), '["a b"]'),
        ("", ({},), "(whole object)"),
    ],
)
def test_readable_path(pointer: str, documents: tuple[JSON, ...], expected: str) -> None:
    assert readable_path(pointer, *documents) == expected
