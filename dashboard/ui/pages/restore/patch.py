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
placeholder into a password field would be worse than leaving the field as it is. A list
that holds a redacted value is left out whole: server-side apply replaces a CRD's list
whole unless its schema says otherwise, so applying it without the secret item (or field)
would erase the live secret. The JSON patch starts with a ``test`` of the resourceVersion
the page was built from, so a patch copied from a page the object has moved past fails
instead of removing the wrong fields.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.auth.redactor import redact_body
from dashboard.ui.pages.detail.commands import resource
from dashboard.ui.yamlview import yaml_text
from informers import REDACTED, KindInfo

FIELD_MANAGER = "crscope-restore"
#: written by ``kubectl apply`` (client-side) for its own three-way merge: restoring or
#: removing it would confuse the next client-side apply, so a restore leaves it alone
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_HEREDOC = "CRSCOPE_RESTORE"


class NotRestorable(ValueError):
    """The revision cannot be turned into a safe patch (say why on the page)."""


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
    kind: KindInfo,
    *,
    namespace: str | None,
    name: str,
    revision: Mapping[str, Any],
    live: Any,
) -> RestorePatch:
    """``revision`` as recorded (redacted again here, for rows stored before redaction);
    ``live`` the object now, or None when it no longer exists (the apply re-creates it)."""
    shown = redact_body(revision)
    if not isinstance(shown.get("metadata"), Mapping):
        # Too deep to inspect: redaction kept nothing of it, and an empty target would
        # remove the whole spec and every label.
        raise NotRestorable("this revision is too deeply nested to restore safely")
    target = restorable(shown)
    left_out: list[str] = []
    kept = _without_secrets(target, "", left_out)
    document: dict[str, Any] = {"apiVersion": kind.api_version, "kind": kind.kind}
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    metadata.update({k: v for k, v in kept["metadata"].items() if v})
    document["metadata"] = metadata
    if "spec" in kept:
        document["spec"] = kept["spec"]
    text = yaml_text(document)
    operations: list[dict[str, Any]] = []
    if isinstance(live, Mapping):
        operations = _operations(restorable(live), target, "")
        if operations:
            meta = live.get("metadata")
            version = meta.get("resourceVersion") if isinstance(meta, Mapping) else None
            guard = {"op": "test", "path": "/metadata/resourceVersion", "value": version}
            operations = [guard, *operations]
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


def _without_secrets(value: Any, path: str, left_out: list[str]) -> Any:
    """``value`` without redacted values; a list holding one anywhere is left out whole
    (named with " (whole list)"), since applying part of it would erase the rest."""
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(child, list) and _holds_secret(child):
                left_out.append(f"{where} (whole list)")
            elif isinstance(child, str) and REDACTED in child:
                left_out.append(where)
            else:
                kept[key] = _without_secrets(child, where, left_out)
        return kept
    return value


def _holds_secret(value: Any) -> bool:
    return REDACTED in json.dumps(value, ensure_ascii=False, default=str)


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
        if _holds_secret(target):
            return []
        return [{"op": "replace", "path": path, "value": target}]
    return []
