"""The patch that puts an object's spec, labels and annotations back as a revision had them.

Why server-side apply with its own field manager (``crscope-restore``): the restore shows
up in managedFields and in crscope's own history as a write by that manager, and the
person applying it needs only ``kubectl``. Why ``--force-conflicts``: a restore is meant
to take back fields that other managers changed since; without it, every such field is a
conflict and nothing is applied.

Server-side apply sets what the applied YAML holds; it does not remove what another
manager added since the revision (a new spec field, a new label). Those paths get a
second, JSON-patch command of ``remove`` operations, so the two together leave the spec,
labels and annotations equal to the revision's. Lists are replaced whole by that patch
when they differ, because a list whose schema merges by key would otherwise keep the
items added since. Status is never part of a restore (a controller writes it).

Redacted values are left out and named: history stores bodies redacted, and writing the
placeholder into a password field would be worse than leaving the field as it is.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.auth.redactor import redact_body
from dashboard.ui.pages.detail.commands import resource
from dashboard.ui.yamlview import without_redacted, yaml_text
from informers import REDACTED, KindInfo

FIELD_MANAGER = "crscope-restore"
#: written by ``kubectl apply`` (client-side) for its own three-way merge: restoring or
#: removing it would confuse the next client-side apply, so a restore leaves it alone
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_HEREDOC = "CRSCOPE_RESTORE"


@dataclass(frozen=True)
class RestorePatch:
    """What the restore page shows: the YAML, the commands and what they leave out."""

    apply_yaml: str
    apply_command: str
    #: JSON-patch operations for what server-side apply cannot undo; may be empty
    operations: list[dict[str, Any]] = field(default_factory=list)
    patch_command: str = ""
    #: dotted paths of redacted values, left as they are
    left_out: list[str] = field(default_factory=list)


def restorable(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an object a restore puts back: spec, labels and annotations.

    Labels and annotations are always there (empty when the object has none), so that a
    comparison removes a label added since one key at a time, never the whole map.
    """
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    labels = meta.get("labels")
    annotations = meta.get("annotations")
    result: dict[str, Any] = {
        "metadata": {
            "labels": dict(labels) if isinstance(labels, Mapping) else {},
            "annotations": {k: v for k, v in annotations.items() if k != LAST_APPLIED}
            if isinstance(annotations, Mapping)
            else {},
        }
    }
    if "spec" in obj:
        result["spec"] = obj["spec"]
    return result


def build(
    kind: KindInfo, namespace: str | None, name: str, revision: Mapping[str, Any], live: Any
) -> RestorePatch:
    """``revision`` as recorded (redacted again here, for rows stored before redaction);
    ``live`` the object now, or None when it no longer exists (the apply re-creates it)."""
    target = restorable(redact_body(revision))
    kept, left_out = without_redacted(target)
    document: dict[str, Any] = {"apiVersion": kind.api_version, "kind": kind.kind}
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata.update({k: v for k, v in kept["metadata"].items() if v})
    document["metadata"] = metadata
    if "spec" in kept:
        document["spec"] = kept["spec"]
    text = yaml_text(document)
    operations = _operations(restorable(live), target, "") if isinstance(live, Mapping) else []
    target_words = [resource(kind), name, *(["-n", namespace] if namespace else [])]
    patch_command = ""
    if operations:
        patch_command = " ".join(
            [
                "kubectl patch",
                *(shlex.quote(w) for w in target_words),
                f"--field-manager={FIELD_MANAGER}",
                "--type=json",
                "-p",
                shlex.quote(json.dumps(operations, ensure_ascii=False, separators=(",", ":"))),
            ]
        )
    return RestorePatch(
        apply_yaml=text,
        apply_command=_apply_command(text),
        operations=operations,
        patch_command=patch_command,
        left_out=left_out,
    )


def _apply_command(text: str) -> str:
    """One paste: the apply command with the YAML in a quoted here-document (no shell
    expansion inside), under a delimiter that no line of the YAML is."""
    delimiter = _HEREDOC
    lines = set(text.splitlines())
    while delimiter in lines:
        delimiter += "_"
    return (
        f"kubectl apply --server-side --field-manager={FIELD_MANAGER} --force-conflicts -f - "
        f"<<'{delimiter}'\n{text}{delimiter}"
    )


def _pointer(path: str, key: str) -> str:
    return f"{path}/{key.replace('~', '~0').replace('/', '~1')}"


def _operations(live: Any, target: Any, path: str) -> list[dict[str, Any]]:
    """Removes for keys added since the revision, and whole-list replaces where lists
    differ; nothing for a value that holds a redacted placeholder (left as it is)."""
    if isinstance(live, Mapping) and isinstance(target, Mapping):
        found: list[dict[str, Any]] = []
        for key, value in live.items():
            where = _pointer(path, str(key))
            if key not in target:
                found.append({"op": "remove", "path": where})
            else:
                found += _operations(value, target[key], where)
        return found
    if isinstance(live, list) and isinstance(target, list) and live != target:
        if REDACTED in json.dumps(target, ensure_ascii=False, default=str):
            return []
        return [{"op": "replace", "path": path, "value": target}]
    return []
