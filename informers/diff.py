"""Field-level diffs between two versions of an object, for the history timeline.

A timeline entry should say "spec.replicas went from 2 to 3", not "the object
changed". Most updates of a custom resource, though, only move bookkeeping:
``resourceVersion``, ``managedFields``, heartbeat timestamps. This module
computes the real changes as JSON-pointer paths (RFC 6901) and hides that
noise unless asked, so an entry shows what a person would care about.

Lists whose elements carry a ``type`` (conditions) or a ``name`` (containers,
ports) are matched by that key, so a reordered or inserted element does not
show up as a change to every index after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import orjson

Op = Literal["add", "remove", "replace"]

_OP_RANK: dict[str, int] = {"remove": 0, "add": 1, "replace": 2}
_LIST_KEYS = ("type", "name")
_TIMESTAMP_FIELDS = frozenset(
    {"lastTransitionTime", "lastHeartbeatTime", "lastUpdateTime", "lastProbeTime"}
)
_NOISE_PREFIXES = (
    "/metadata/resourceVersion",
    "/metadata/managedFields",
    "/metadata/generation",
    "/status/observedGeneration",
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
)
_CONDITION_GENERATION = re.compile(r"^/status/conditions/[0-9]+/observedGeneration(/|$)")
_INDEX = re.compile(r"[0-9]+")
# Marks the absent side of a list pair; None cannot, because null is a JSON value.
_MISSING: Any = object()
_Pair = tuple[int, Any, Any]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed location. ``old`` is None for an add, ``new`` is None for a remove."""

    op: Op
    path: str
    old: Any
    new: Any

    def as_dict(self) -> dict[str, Any]:
        return {"op": self.op, "path": self.path, "old": self.old, "new": self.new}


def diff(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *, noise: bool = False
) -> list[FieldChange]:
    """Changes that turn ``old`` into ``new``, sorted by path; noise hidden unless ``noise``.

    A missing side (None) yields one add or remove per top-level key. An object
    nested deeper than Python's stack allows yields a single replace at "".
    """
    changes: list[FieldChange] = []
    try:
        _walk_mapping("", old or {}, new or {}, changes, noise)
    except RecursionError:
        return [FieldChange("replace", "", old, new)]
    return sorted(changes, key=_sort_key)


@lru_cache(maxsize=16384)
def is_noise(path: str) -> bool:
    """True for paths that change on nearly every write and mean nothing to a reader.

    Cached: a pure function of the path, asked for every visited key of every update
    (about a quarter of the diff's time in the profile); objects of one kind share paths.
    """
    for prefix in _NOISE_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return True
    if _CONDITION_GENERATION.match(path):
        return True
    segments = path.split("/")
    return (
        len(segments) > 2
        and segments[1] == "status"
        and any(s in _TIMESTAMP_FIELDS for s in segments[2:])
    )


def changed_paths(changes: Sequence[FieldChange], *, max_paths: int = 20) -> list[str]:
    """Distinct changed paths, collapsed to their parents until at most ``max_paths`` remain.

    The deepest paths are shortened first, so a burst of changes under one list
    reads as that list rather than crowding out the other changes. If even the
    top-level paths are too many, the list is cut at ``max_paths``.
    """
    if max_paths < 1:
        raise ValueError(f"max_paths must be at least 1, got {max_paths}")
    paths = list(dict.fromkeys(change.path for change in changes))
    depth = max((_depth(p) for p in paths), default=0)
    while len(paths) > max_paths and depth > 1:
        depth -= 1
        paths = list(dict.fromkeys(_truncate(p, depth) for p in paths))
    return paths[:max_paths]


def escape_segment(segment: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901: "~" first, then "/")."""
    return segment.replace("~", "~0").replace("/", "~1")


def split_pointer(pointer: str) -> tuple[str, ...]:
    """Unescaped reference tokens of a JSON pointer; "" (the whole document) gives ()."""
    if not pointer:
        return ()
    parts = pointer.removeprefix("/").split("/")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)


def readable_path(pointer: str, *documents: Any) -> str:
    """``pointer`` as a person reads it: ``status.conditions[Ready].message``.

    Why: an index in a keyed list (``/status/conditions/0``) names a position that depends on
    the order a controller happened to write, so a reader must count elements to know which
    condition changed. The key is looked up in the first of ``documents`` where the whole
    path exists (the new body, then the old one for a removal); an index that cannot be
    resolved to a key stays an index.
    """
    tokens = split_pointer(pointer)
    if not tokens:
        return "(whole object)"
    fallback = documents[0] if documents else None
    document = next((d for d in documents if _resolves(d, tokens)), fallback)
    parts: list[str] = []
    node: Any = document
    for token in tokens:
        if _INDEX.fullmatch(token) and not isinstance(node, Mapping):
            items = node if isinstance(node, list) else []
            parts.append(f"[{_element_label(items, int(token))}]")
            node = items[int(token)] if int(token) < len(items) else None
            continue
        if _PLAIN_KEY.fullmatch(token):
            parts.append(f".{token}" if parts else token)
        else:
            parts.append(f"[{orjson.dumps(token).decode()}]")
        node = node.get(token) if isinstance(node, Mapping) else None
    return "".join(parts)


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_PLAIN_LABEL = re.compile(r"[A-Za-z0-9_.:$-]+")


def _resolves(document: Any, tokens: tuple[str, ...]) -> bool:
    node = document
    for token in tokens:
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and _INDEX.fullmatch(token) and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def _element_label(items: list[Any], index: int) -> str:
    key = _list_key(items, items)
    if key is None or index >= len(items):
        return str(index)
    value = items[index][key]
    # A key that looks like an index is quoted, so [0] always means a position.
    plain = _PLAIN_LABEL.fullmatch(value) and not value.isdigit()
    return value if plain else orjson.dumps(value).decode()


def _walk(path: str, old: Any, new: Any, out: list[FieldChange], noise: bool) -> None:
    # Most of an updated object is unchanged: C-level comparisons skip whole subtrees. ``==``
    # alone would call 1 and 1.0 (or True and 1) equal, so equal containers are confirmed by
    # their serialized form; each node is serialized at most once along the pruned frontier.
    if old is new or (type(old) is type(new) and old == new and _same_json(old, new)):
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        _walk_mapping(path, old, new, out, noise)
    elif isinstance(old, list) and isinstance(new, list):
        _walk_list(path, old, new, out, noise)
    elif type(old) is not type(new) or old != new:
        out.append(FieldChange("replace", path, old, new))


def _same_json(old: Any, new: Any) -> bool:
    if not isinstance(old, (Mapping, list)):
        return True  # same type and equal scalars
    try:
        return bool(orjson.dumps(old) == orjson.dumps(new))
    except TypeError:
        return False


def _walk_mapping(
    path: str, old: Mapping[str, Any], new: Mapping[str, Any], out: list[FieldChange], noise: bool
) -> None:
    for key in sorted(old.keys() | new.keys()):
        child = f"{path}/{escape_segment(str(key))}"
        if not noise and is_noise(child):
            continue
        if key not in new:
            out.append(FieldChange("remove", child, old[key], None))
        elif key not in old:
            out.append(FieldChange("add", child, None, new[key]))
        else:
            _walk(child, old[key], new[key], out, noise)


def _walk_list(
    path: str, old: list[Any], new: list[Any], out: list[FieldChange], noise: bool
) -> None:
    key = _list_key(old, new)
    pairs = _pair_by_key(old, new, key) if key else _pair_by_index(old, new)
    for index, old_item, new_item in pairs:
        child = f"{path}/{index}"
        if not noise and is_noise(child):
            continue
        if new_item is _MISSING:
            out.append(FieldChange("remove", child, old_item, None))
        elif old_item is _MISSING:
            out.append(FieldChange("add", child, None, new_item))
        else:
            _walk(child, old_item, new_item, out, noise)


def _pair_by_index(old: list[Any], new: list[Any]) -> Iterator[_Pair]:
    for index in range(max(len(old), len(new))):
        old_item = old[index] if index < len(old) else _MISSING
        new_item = new[index] if index < len(new) else _MISSING
        yield index, old_item, new_item


def _pair_by_key(old: list[Any], new: list[Any], key: str) -> Iterator[_Pair]:
    """Matched and added elements at their new index, removed ones at their old index."""
    old_by_key = {item[key]: (index, item) for index, item in enumerate(old)}
    new_keys = {item[key] for item in new}
    for index, item in enumerate(new):
        match = old_by_key.get(item[key])
        yield index, (match[1] if match else _MISSING), item
    for index, item in enumerate(old):
        if item[key] not in new_keys:
            yield index, item, _MISSING


def _list_key(old: list[Any], new: list[Any]) -> str | None:
    """The element key both lists are keyed by, or None to compare by index."""
    if not old and not new:
        return None
    for key in _LIST_KEYS:
        if _keyed_by(old, key) and _keyed_by(new, key):
            return key
    return None


def _keyed_by(items: list[Any], key: str) -> bool:
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            return False
        value = item.get(key)
        if not isinstance(value, str) or value in seen:
            return False
        seen.add(value)
    return True


def _sort_key(change: FieldChange) -> tuple[tuple[tuple[int, int, str], ...], int]:
    # Numeric segments sort as numbers, so /items/10 comes after /items/9.
    segments = tuple(
        (0, int(s), "") if _INDEX.fullmatch(s) else (1, 0, s) for s in change.path.split("/")[1:]
    )
    return segments, _OP_RANK[change.op]


def _depth(path: str) -> int:
    return path.count("/")


def _truncate(path: str, depth: int) -> str:
    return "/".join(path.split("/")[: depth + 1])
