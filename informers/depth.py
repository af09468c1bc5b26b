"""Objects nested deeper than the JSON parser allows: cut, kept, and marked.

Why: orjson refuses a document nested more than 1024 levels, and the apiserver accepts far
deeper custom resources. Such a watch event used to be skipped as malformed (and a paged
LIST page failed whole), so a hostile or broken object was silently invisible. Here the
raw bytes are pruned instead: every container nested more than ``MAX_DEPTH`` levels inside
an object becomes the string ``TOO_DEEP``, the rest parses as usual, and the object is a
``Truncated`` dict, which the status rules report as Unknown with the reason. The depth
kept is far below the parser's limit so that everything downstream (the serializer's 254
levels, Python's recursion in YAML, redaction and diffs) can handle the pruned object.
Only documents the parser refused take this path; everything else costs nothing extra.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

PARSER_LIMIT = 1024
#: Levels of an object kept when it has to be pruned (the object itself is level 1).
MAX_DEPTH = 64
TOO_DEEP = f"(nested deeper than {MAX_DEPTH} levels: not shown)"
REASON = "TooDeep"
MESSAGE = (
    f"the object is nested deeper than the JSON parser's limit of {PARSER_LIMIT} levels; "
    f"it is shown with everything below {MAX_DEPTH} levels cut"
)

_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_OPEN = frozenset(b"[{")
_CUT = orjson.dumps(TOO_DEEP)


class Truncated(dict[str, Any]):
    """An object that was pruned to be parsed; its status is Unknown (``informers.status``)."""


def too_deep(error: orjson.JSONDecodeError) -> bool:
    return "depth" in str(error)


def loads(raw: bytes, *, wrapped: int) -> Any:
    """Parse ``raw``, pruning it when the parser refuses its depth.

    ``wrapped`` is how many containers enclose each object in the document: 1 for a
    watch event (``{"object": {...}}``), 2 for a LIST body (``{"items": [{...}]}``).
    Objects that lost something are returned as ``Truncated``.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not too_deep(exc):
            raise
    parsed = orjson.loads(prune(raw, keep=MAX_DEPTH + wrapped))
    if not isinstance(parsed, dict):
        return parsed
    if wrapped == 1 and isinstance(parsed.get("object"), dict):
        parsed["object"] = _mark(parsed["object"])
    items = parsed.get("items")
    if wrapped == 2 and isinstance(items, list):
        parsed["items"] = [_mark(i) if isinstance(i, dict) else i for i in items]
    return parsed


def prune(raw: bytes, *, keep: int) -> bytes:
    """``raw`` with every container that opens below level ``keep`` replaced by
    ``TOO_DEEP``. Strings are skipped whole, so brackets inside them do not count."""
    out: list[bytes] = []
    level = 0
    start = 0  # where the text not yet copied begins
    cut_at = -1  # the level at which the container being cut opened, or -1
    for match in _TOKEN.finditer(raw):
        token = match.group()
        if token[0] == ord('"'):
            continue
        if token[0] in _OPEN:
            level += 1
            if cut_at < 0 and level > keep:
                out.append(raw[start : match.start()])
                cut_at = level
        else:
            if cut_at == level:
                out.append(_CUT)
                start = match.end()
                cut_at = -1
            level -= 1
    out.append(raw[start:] if cut_at < 0 else _CUT)
    return b"".join(out)


def _mark(obj: dict[str, Any]) -> dict[str, Any]:
    return Truncated(obj) if _CUT in orjson.dumps(obj) else obj
