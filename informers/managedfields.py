"""Who changed what: reading ``metadata.managedFields`` for the history timeline.

A timeline entry is far more useful when it says *who* made a change ("kubectl
edit set spec.replicas", "my-operator updated status"). The apiserver records
that in ``managedFields``, but the store strips that field to halve its memory,
so the attribution must be computed at event time, from the old and new
versions, before stripping. This module does that, tolerating anything a
malformed or hostile object may contain.

Paths use JSON-pointer syntax with RFC 6901 escaping, like ``informers.diff``.
FieldsV1 keys become segments as follows:

- ``f:replicas`` -> ``replicas``
- ``k:{"type":"Ready"}`` (list element by key) -> ``type=Ready``; several key
  fields are joined with commas: ``containerPort=80,protocol=TCP``
- ``v:"example.com/cleanup"`` (set element by value) -> the value itself
- ``i:3`` (list element by index) -> ``3``

A node is owned when it is a leaf or carries ``"."``; intermediate nodes are not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from informers.diff import escape_segment, split_pointer

_Segment = tuple[str, str]  # (FieldsV1 kind: "f", "k", "v" or "i"; readable text)
_Path = tuple[_Segment, ...]
_INDEX = re.compile(r"[0-9]+")
_ELEMENT_KINDS = ("k", "v")


@dataclass(frozen=True, slots=True)
class _Entry:
    manager: str
    operation: str
    subresource: str
    time_text: str
    time: datetime | None
    fields: Mapping[str, Any]

    @property
    def identity(self) -> tuple[str, str, str]:
        return self.manager, self.operation, self.subresource

    def newer_than(self, other: _Entry) -> bool:
        if self.time is None:
            return False
        return other.time is None or self.time > other.time


def managers_by_path(managed_fields: Any) -> dict[str, str]:
    """Map each owned path to its manager; with several owners, the newest entry wins."""
    try:
        owners = _owners(managed_fields)
    except RecursionError:  # nested deeper than the stack allows: attribution is best-effort
        return {}
    return {_render(path): entry.manager for path, entry in owners.items()}


def managers_for_change(
    old_managed_fields: Any, new_managed_fields: Any, changed: Sequence[str]
) -> list[str]:
    """Managers responsible for the change from the old version to the new one.

    First choice: the entries (manager, operation, subresource) that appeared or
    whose ``time`` or ``fieldsV1`` moved. When the old managedFields are not a
    list (unknown, e.g. already stripped) or no entry moved, fall back to the
    owners of the ``changed`` paths. A list index in a changed path matches any
    keyed element of the owning list, because which element sits at that index
    cannot be told from managedFields alone; all such owners are returned.
    """
    try:
        return _managers_for_change(old_managed_fields, new_managed_fields, changed)
    except RecursionError:  # nested deeper than the stack allows: attribution is best-effort
        return []


def _managers_for_change(
    old_managed_fields: Any, new_managed_fields: Any, changed: Sequence[str]
) -> list[str]:
    if isinstance(old_managed_fields, list):
        touched = _touched_managers(old_managed_fields, new_managed_fields)
        if touched:
            return sorted(touched)
    new_owners = _owners(new_managed_fields)
    old_owners = _owners(old_managed_fields)
    found: set[str] = set()
    for path in changed:
        segments = split_pointer(path)
        found |= _owners_of(segments, new_owners) or _owners_of(segments, old_owners)
    return sorted(found)


def _touched_managers(old_managed_fields: list[Any], new_managed_fields: Any) -> set[str]:
    before = {entry.identity: entry for entry in _entries(old_managed_fields)}
    touched: set[str] = set()
    for entry in _entries(new_managed_fields):
        previous = before.get(entry.identity)
        if (
            previous is None
            or previous.time_text != entry.time_text
            or previous.fields != entry.fields
        ):
            touched.add(entry.manager)
    return touched


def _owners_of(changed: tuple[str, ...], owners: Mapping[_Path, _Entry]) -> set[str]:
    """Owners of the longest owned prefix of ``changed``, or of anything below it."""
    best = -1
    managers: set[str] = set()
    for path, entry in owners.items():
        depth = _match_depth(path, changed)
        if depth > best:
            best, managers = depth, {entry.manager}
        elif depth == best and depth >= 0:
            managers.add(entry.manager)
    return managers


def _match_depth(owned: _Path, changed: tuple[str, ...]) -> int:
    """How many segments ``owned`` and ``changed`` share, or -1 if they diverge."""
    for (kind, text), segment in zip(owned, changed, strict=False):
        is_element = kind in _ELEMENT_KINDS and _INDEX.fullmatch(segment) is not None
        if text != segment and not is_element:
            return -1
    return min(len(owned), len(changed))


def _owners(managed_fields: Any) -> dict[_Path, _Entry]:
    owners: dict[_Path, _Entry] = {}
    for entry in _entries(managed_fields):
        for path in _owned_paths(entry.fields, ()):
            current = owners.get(path)
            if current is None or entry.newer_than(current):
                owners[path] = entry
    return owners


def _entries(managed_fields: Any) -> list[_Entry]:
    if not isinstance(managed_fields, list):
        return []
    entries = []
    for item in managed_fields:
        entry = _entry(item)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(item: Any) -> _Entry | None:
    if not isinstance(item, Mapping):
        return None
    manager = item.get("manager")
    fields = item.get("fieldsV1", {})
    if not isinstance(manager, str) or not manager or not isinstance(fields, Mapping):
        return None
    time_text = _string(item.get("time"))
    return _Entry(
        manager=manager,
        operation=_string(item.get("operation")),
        subresource=_string(item.get("subresource")),
        time_text=time_text,
        time=_parse_time(time_text),
        fields=fields,
    )


def _owned_paths(fields: Mapping[str, Any], prefix: _Path) -> Iterator[_Path]:
    for key, child in fields.items():
        if key == ".":
            if prefix:
                yield prefix
            continue
        path = (*prefix, _segment(str(key)))
        if isinstance(child, Mapping) and child:
            yield from _owned_paths(child, path)
        else:
            yield path


def _segment(key: str) -> _Segment:
    kind, colon, rest = key.partition(":")
    if not colon or kind not in ("f", "k", "v", "i"):
        return "f", key
    if kind == "k":
        return kind, _readable_key(rest)
    if kind == "v":
        return kind, _readable_value(rest)
    return kind, rest


def _readable_key(raw: str) -> str:
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    if not isinstance(parsed, dict):
        return raw
    return ",".join(f"{name}={_scalar_text(value)}" for name, value in parsed.items())


def _readable_value(raw: str) -> str:
    try:
        return _scalar_text(json.loads(raw))
    except (ValueError, RecursionError):
        return raw


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # Mixing naive and aware datetimes raises on comparison; the apiserver means UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _render(path: _Path) -> str:
    return "".join("/" + escape_segment(text) for _, text in path)
