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

There is one attribution rule, ``managers_for_change``; it compares ``summarize``d
entries, which the informer keeps per object and the history writer stores per revision.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from informers.diff import split_pointer

_Segment = tuple[str, str]  # (FieldsV1 kind: "f", "k", "v" or "i"; readable text)
_Path = tuple[_Segment, ...]
_INDEX = re.compile(r"[0-9]+")
_ELEMENT_KINDS = ("k", "v")

#: A managedFields entry's identity: (manager, operation, subresource).
Identity = tuple[str, str, str]


class Mark(NamedTuple):
    """What one managedFields entry says about its manager: when it last wrote, and a
    checksum of the fields it owns (a few bytes per manager instead of the field tree)."""

    time: str
    fields: int


#: Every entry of one object's managedFields, by identity.
ManagedSummary = dict[Identity, Mark]


def summarize(managed_fields: Any) -> ManagedSummary:
    """The summary attribution needs from ``managedFields``; malformed entries are skipped.

    Why a summary: the store drops managedFields (over half of a parsed object), yet the
    next change, or the next start of the dashboard, must tell which entries moved.
    """
    summary: ManagedSummary = {}
    if not isinstance(managed_fields, list):
        return summary
    for item in managed_fields:
        manager = item.get("manager") if isinstance(item, Mapping) else None
        if not isinstance(manager, str) or not manager:
            continue
        ident = (manager, _string(item.get("operation")), _string(item.get("subresource")))
        summary[ident] = Mark(_string(item.get("time")), _checksum(item.get("fieldsV1")))
    return summary


def encode_summary(summary: Mapping[Identity, Mark]) -> list[list[str | int]]:
    """A JSON-ready form of a summary, for storing it beside a revision."""
    return [[*ident, mark.time, mark.fields] for ident, mark in sorted(summary.items())]


def decode_summary(value: Any) -> ManagedSummary | None:
    """The summary ``encode_summary`` stored, or None when none was (or it is unreadable)."""
    if not isinstance(value, list):
        return None
    summary: ManagedSummary = {}
    for row in value:
        if not isinstance(row, list) or len(row) != 5:
            return None
        manager, operation, subresource, time, fields = row
        if not all(isinstance(v, str) for v in (manager, operation, subresource, time)):
            return None
        if not isinstance(fields, int):
            return None
        summary[(manager, operation, subresource)] = Mark(time, fields)
    return summary


def _checksum(fields: Any) -> int:
    try:
        return zlib.crc32(orjson.dumps(fields))
    except (TypeError, orjson.JSONEncodeError):  # nested too deep, or not JSON
        return 0


@dataclass(frozen=True, slots=True)
class _Entry:
    manager: str
    operation: str
    subresource: str
    time: datetime | None
    fields: Mapping[str, Any]

    def newer_than(self, other: _Entry) -> bool:
        if self.time is None:
            return False
        return other.time is None or self.time > other.time


def managers_for_change(
    old: Mapping[Identity, Mark] | None,
    new: Mapping[Identity, Mark],
    changed: Sequence[str],
    *,
    managed_fields: Any = None,
) -> list[str]:
    """Managers responsible for the change from the old version to the new one.

    The one attribution rule, used live by the informer and after a restart by the
    history writer (which keeps each revision's summary). In order of evidence:

    1. entries that appeared, or whose ``time`` moved: the apiserver stamps only the
       writing manager's entry with the time of the write;
    2. else entries whose ``fieldsV1`` moved (a manager writing twice within the same
       second keeps its time). Not first, because a manager whose fields another one
       took over changes its ``fieldsV1`` without having written anything;
    3. else the owners, in ``managed_fields`` (the new version's full list, when known),
       of the ``changed`` paths. A list index in a changed path matches any keyed
       element of the owning list, because which element sits at that index cannot be
       told from managedFields alone; all such owners are returned.

    ``old`` is None when the previous summary is unknown (a revision recorded before
    summaries were kept): steps 1 and 2 cannot tell anything then, and when step 3
    cannot either, the managers of the newest entry, the last to write, are named.
    An empty ``old`` means the object is new: every entry appeared.
    """
    if old is not None:
        wrote = {
            ident[0]
            for ident, mark in new.items()
            if (before := old.get(ident)) is None or before.time != mark.time
        }
        if wrote:
            return sorted(wrote)
        moved = {ident[0] for ident, mark in new.items() if old[ident].fields != mark.fields}
        if moved:
            return sorted(moved)
    try:
        owners = _owners(managed_fields)
    except RecursionError:  # nested deeper than the stack allows: attribution is best-effort
        owners = {}
    found: set[str] = set()
    for path in changed:
        found |= _owners_of(split_pointer(path), owners)
    if found or old is not None:
        return sorted(found)
    return _last_writers(new)


def _last_writers(summary: Mapping[Identity, Mark]) -> list[str]:
    newest = max((mark.time for mark in summary.values()), default="")
    if not newest:
        return []
    return sorted({ident[0] for ident, mark in summary.items() if mark.time == newest})


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
    return _Entry(
        manager=manager,
        operation=_string(item.get("operation")),
        subresource=_string(item.get("subresource")),
        time=_parse_time(_string(item.get("time"))),
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
