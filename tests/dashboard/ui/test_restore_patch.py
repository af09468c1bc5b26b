"""The restore patch, case by case: what it sets, removes, replaces and leaves out."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import yaml

from dashboard.ui.pages.restore.patch import LAST_APPLIED, NotRestorable, _apply_command, build
from informers import REDACTED, KindInfo

WIDGET = KindInfo(
    group="example.com", version="v1", kind="Widget", plural="widgets", namespaced=True
)


def _obj(
    spec: dict[str, Any],
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "w", "namespace": "ns", "uid": "u", "resourceVersion": "9"}
    if labels is not None:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": meta,
        "spec": spec,
        "status": {"x": 1},
    }


def _yaml(command: str) -> dict[str, Any]:
    body = command.split("\n", 1)[1].rsplit("\n", 1)[0]
    loaded: dict[str, Any] = yaml.safe_load(body)
    return loaded


def test_apply_sets_the_revision_and_patch_removes_what_was_added() -> None:
    revision = _obj({"size": 1, "ports": [1, 2]}, {"app": "a"})
    live = _obj({"size": 5, "image": "x:2", "ports": [1, 2, 3]}, {"app": "b", "tier": "web"})
    built = build(WIDGET, namespace="ns", name="w", revision=revision, live=live)
    applied = _yaml(built.apply_command)
    assert applied == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "ns", "labels": {"app": "a"}},
        "spec": {"size": 1, "ports": [1, 2]},
    }
    assert built.operations == [
        {"op": "test", "path": "/metadata/resourceVersion", "value": "9"},
        {"op": "remove", "path": "/metadata/labels/tier"},
        {"op": "remove", "path": "/spec/image"},
        {"op": "replace", "path": "/spec/ports", "value": [1, 2]},
    ]
    words = shlex.split(built.patch_command)
    assert words[:6] == ["kubectl", "patch", "widgets.example.com", "w", "-n", "ns"]
    assert "--field-manager=crscope-restore" in words and "--type=json" in words


def test_redacted_values_are_left_out_and_never_removed() -> None:
    revision = _obj(
        {"auth": {"password": REDACTED, "user": "u"}, "env": [{"name": "TOKEN", "value": REDACTED}]}
    )
    live = _obj(
        {"auth": {"password": "hunter2", "user": "v"}, "env": [{"name": "TOKEN", "value": "t2"}]}
    )
    built = build(WIDGET, namespace="ns", name="w", revision=revision, live=live)
    assert built.left_out == ["spec.auth.password", "spec.env (whole list)"]
    assert REDACTED not in built.apply_command and "hunter2" not in built.apply_command
    # Apply replaces a list whole: the env list is not in the YAML at all, so the live
    # secret in it stays; and the JSON patch does not replace it either.
    assert _yaml(built.apply_command)["spec"] == {"auth": {"user": "u"}}
    assert built.operations == []


def test_last_applied_is_neither_restored_nor_removed() -> None:
    revision = _obj({"size": 1}, annotations={LAST_APPLIED: "{old}"})
    live = _obj({"size": 1}, annotations={LAST_APPLIED: "{new}", "team.io/owner": "x"})
    built = build(WIDGET, namespace="ns", name="w", revision=revision, live=live)
    assert "last-applied" not in built.apply_yaml
    assert built.operations[1:] == [
        {"op": "remove", "path": "/metadata/annotations/team.io~1owner"}
    ]


def test_a_deleted_object_is_applied_whole_and_nothing_removed() -> None:
    built = build(WIDGET, namespace="ns", name="w", revision=_obj({"size": 1}), live=None)
    assert built.operations == [] and built.patch_command == ""
    assert _yaml(built.apply_command)["spec"] == {"size": 1}


def test_the_here_document_delimiter_never_ends_the_text_early() -> None:
    command = _apply_command("a: 1\nCRSCOPE_RESTORE\nb: 2\n")
    first, *body, last = command.splitlines()
    assert first.endswith("<<'CRSCOPE_RESTORE_'") and last == "CRSCOPE_RESTORE_"
    assert body == ["a: 1", "CRSCOPE_RESTORE", "b: 2"]


def test_labels_added_since_a_revision_without_labels_are_removed_one_by_one() -> None:
    built = build(
        WIDGET,
        namespace="ns",
        name="w",
        revision=_obj({"size": 1}),
        live=_obj({"size": 1}, {"x": "1", "y": "2"}),
    )
    assert built.operations[1:] == [
        {"op": "remove", "path": "/metadata/labels/x"},
        {"op": "remove", "path": "/metadata/labels/y"},
    ]
    assert "labels" not in _yaml(built.apply_command)["metadata"]


def test_a_revision_too_deep_to_read_is_refused_not_turned_into_an_empty_patch() -> None:
    with pytest.raises(NotRestorable):
        build(
            WIDGET,
            namespace="ns",
            name="w",
            revision={"redacted": REDACTED},
            live=_obj({"size": 1}),
        )
