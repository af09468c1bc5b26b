"""Render the kustomizations in deploy/: with kustomize or kubectl when one is installed,
otherwise with a small renderer of only the features deploy/ uses.

Why a renderer of our own: the deploy tests must also run on machines without kubectl, and
no Python package ships kustomize. The subset is small and fixed: ``resources``,
``namespace``, ``images``, ``replicas``, ``secretGenerator`` (literals, ``behavior:
merge``) and ``patches`` that are JSON 6902 lists with a target or ``$patch: delete``
documents. Anything else is an error rather than a silent difference, and where kubectl
exists a test checks that both renderings agree. Generated names get no hash suffix.
"""

from __future__ import annotations

import base64
import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

#: Kinds deploy/ uses that have no namespace.
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding"})
_KUSTOMIZATION_KEYS = frozenset(
    {
        "apiVersion",
        "kind",
        "namespace",
        "resources",
        "images",
        "replicas",
        "secretGenerator",
        "patches",
    }
)
_GENERATOR_KEYS = frozenset({"name", "behavior", "literals", "type"})


class UnsupportedKustomization(Exception):
    """The kustomization uses a feature the fallback renderer does not implement."""


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def render(directory: Path) -> list[Obj]:
    """The objects ``kubectl apply -k directory`` would send."""
    command = kustomize_command()
    if command is None:
        return render_lite(directory)
    out = subprocess.run(
        [*command, str(directory)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def render_lite(directory: Path) -> list[Obj]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - _KUSTOMIZATION_KEYS
    if unknown:
        raise UnsupportedKustomization(f"{directory}: {sorted(unknown)}")
    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects.extend(render_lite(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for generator in kustomization.get("secretGenerator", []):
        _generate_secret(objects, generator)
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, directory, patch)
    if "namespace" in kustomization:
        _set_namespace(objects, kustomization["namespace"])
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    for replicas in kustomization.get("replicas", []):
        for obj in _matching(objects, kind=None, name=replicas["name"]):
            if obj["kind"] in {"Deployment", "StatefulSet", "ReplicaSet"}:
                obj["spec"]["replicas"] = replicas["count"]
    return objects


def _matching(objects: list[Obj], *, kind: str | None, name: str) -> list[Obj]:
    return [
        o for o in objects if o["metadata"]["name"] == name and (kind is None or o["kind"] == kind)
    ]


def _generate_secret(objects: list[Obj], generator: dict[str, Any]) -> None:
    unknown = set(generator) - _GENERATOR_KEYS
    if unknown:
        raise UnsupportedKustomization(f"secretGenerator {generator['name']}: {sorted(unknown)}")
    data = {}
    for literal in generator.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = base64.b64encode(value.encode()).decode()
    existing = _matching(objects, kind="Secret", name=generator["name"])
    behavior = generator.get("behavior", "create")
    if behavior == "merge" and existing:
        existing[0].setdefault("data", {}).update(data)
    elif behavior == "create" and not existing:
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": generator["name"]},
                "type": generator.get("type", "Opaque"),
                "data": data,
            }
        )
    else:
        raise UnsupportedKustomization(f"secretGenerator {generator['name']}: {behavior}")


def _apply_patch(objects: list[Obj], directory: Path, entry: dict[str, Any]) -> None:
    if set(entry) - {"path", "target"}:
        raise UnsupportedKustomization(f"patch {entry}")
    content = yaml.safe_load((directory / entry["path"]).read_text())
    if isinstance(content, dict) and content.get("$patch") == "delete":
        doomed = _matching(objects, kind=content["kind"], name=content["metadata"]["name"])
        if not doomed:
            raise UnsupportedKustomization(f"{entry['path']}: nothing to delete")
        objects.remove(doomed[0])
        return
    if not isinstance(content, list) or "target" not in entry:
        raise UnsupportedKustomization(f"{entry['path']}: only JSON 6902 patches with a target")
    target = entry["target"]
    if set(target) - {"group", "version", "kind", "name"}:
        raise UnsupportedKustomization(f"patch target {target}")
    hits = [
        o
        for o in _matching(objects, kind=target["kind"], name=target["name"])
        if "group" not in target or o["apiVersion"].rpartition("/")[0] == target["group"]
    ]
    if not hits:
        raise UnsupportedKustomization(f"{entry['path']}: no object matches {target}")
    for obj in hits:
        for op in content:
            json_patch(obj, op)


def json_patch(doc: Any, op: dict[str, Any]) -> None:
    """Apply one RFC 6902 operation (add, remove, replace, test) in place."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in op["path"].split("/")[1:]]
    parent = doc
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    kind = op["op"]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if kind == "add":
            parent.insert(index, copy.deepcopy(op["value"]))
            return
        if not 0 <= index < len(parent):
            raise UnsupportedKustomization(f"{op['path']}: no such index")
    elif kind != "add" and last not in parent:
        raise UnsupportedKustomization(f"{op['path']}: no such member")
    if kind in {"add", "replace"}:
        parent[index if isinstance(parent, list) else last] = copy.deepcopy(op["value"])
    elif kind == "remove":
        del parent[index if isinstance(parent, list) else last]
    elif kind == "test":
        if parent[index if isinstance(parent, list) else last] != op["value"]:
            raise UnsupportedKustomization(f"test failed at {op['path']}")
    else:
        raise UnsupportedKustomization(f"JSON patch op {kind}")


def _set_namespace(objects: list[Obj], namespace: str) -> None:
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace
        # As kustomize does: only ServiceAccount subjects that say "default" follow.
        for subject in obj.get("subjects", []):
            if subject.get("kind") == "ServiceAccount" and subject.get("namespace") == "default":
                subject["namespace"] = namespace


def _set_image(objects: list[Obj], image: dict[str, str]) -> None:
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            name, tag = split_image(container["image"])
            if name == image["name"]:
                new_name = image.get("newName", name)
                new_tag = image.get("newTag", tag)
                container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name


def split_image(reference: str) -> tuple[str, str]:
    """``registry:5000/app:1.0`` -> (``registry:5000/app``, ``1.0``); no tag gives ``""``."""
    head, _, last = reference.rpartition("/")
    if ":" in last:
        last, _, tag = last.partition(":")
        return (f"{head}/{last}" if head else last), tag
    return reference, ""
