"""Masking secret-looking values before they reach a page, a history row or a log.

Custom resources often carry credentials in their spec (a database password, an
API token) even though they should live in Secrets. The dashboard shows objects
and keeps their history, so those values would be copied into HTML, into the
history database and into every browser that watches the object. Redaction
happens once, here, on the way in, and is deliberately conservative: hiding a
harmless value is cheap, leaking a password is not.

Two rules mark a value as secret; either is enough, and a match hides the whole
sub-tree below it:

1. **Key rule** (``key_regex``), for keys anywhere under ``/spec``. The
   default matches, case-insensitively, keys containing ``password``,
   ``passwd``, ``token``, ``secret``, ``apikey``/``api_key``/``api-key``,
   ``privatekey``/``private_key``/``private-key`` or ``credential``; keys that
   are exactly ``key``; and keys ending in ``_key`` or ``-key``. It also
   matches camelCase keys ending in ``Key`` (``sshKey``, ``accessKey``),
   case-sensitively, so that ``monkey`` stays visible. Keys such as
   ``secretName`` and ``tokenRef`` are hidden too; that is the price of being
   conservative.
2. **Pointer patterns**: JSON pointers (RFC 6901 escaping) where a ``*``
   segment matches any one segment, e.g. ``/spec/auth/*/value``.

``None`` values stay ``None``: they hide nothing and keep "removed" readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from informers.diff import split_pointer

REDACTED = "***redacted***"

DEFAULT_KEY_REGEX = (
    r"(?i:passw(?:or)?d|token|secret|api[-_]?key|private[-_]?key|credential)"
    r"|^(?i:key)$|(?i:[-_]key)$|Key$"
)

# The client-side-apply annotation holds a full copy of the spec as JSON text,
# secrets included, where the key rule cannot see them.
DEFAULT_PATTERNS: tuple[str, ...] = (
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
)

_KEY_SCOPE = "spec"
_BRACKETS = re.compile(r"\[[^\]]*\]")
_UNESCAPED_DOT = re.compile(r"(?<!\\)\.")
_WILDCARD = "*"


class Redactor:
    """Applies the redaction rules; immutable once built and safe to share between threads.

    ``patterns=None`` means ``DEFAULT_PATTERNS``; a sequence replaces them (pass
    ``(*DEFAULT_PATTERNS, ...)`` to extend). ``key_regex=None`` disables the key rule.
    """

    def __init__(
        self,
        patterns: Sequence[str] | None = None,
        key_regex: str | None = DEFAULT_KEY_REGEX,
    ) -> None:
        if isinstance(patterns, str):
            raise ValueError("patterns must be a sequence of JSON pointers, not one string")
        chosen = DEFAULT_PATTERNS if patterns is None else patterns
        self._patterns = tuple(_parse_pattern(p) for p in chosen)
        self._key_re = _compile(key_regex) if key_regex is not None else None

    def redact(self, obj: Any) -> Any:
        """A deep copy of ``obj`` with secret values replaced by ``REDACTED``."""
        try:
            return self._walk((), obj)
        except RecursionError:  # too deep to inspect: fail closed
            return REDACTED

    def redact_change_value(self, path: str, value: Any) -> Any:
        """Redact a diff value that sits at JSON pointer ``path`` in the object."""
        segments = split_pointer(path)
        if value is not None and self._covers(segments):
            return REDACTED
        try:
            return self._walk(segments, value)
        except RecursionError:  # too deep to inspect: fail closed
            return REDACTED

    def covers_json_path(self, json_path: str) -> bool:
        """True when a printer column's JSONPath (``.spec.db.password``) reads a secret node
        or something inside one, so its value must not be shown. A list filter or index
        (``[?(@.type=="Ready")]``, ``[0]``) stands for any element."""
        parts = _UNESCAPED_DOT.split(_BRACKETS.sub(".*", json_path))
        segments = tuple(p.replace("\\.", ".") for p in parts if p)
        return bool(segments) and self._covers(segments)

    def _walk(self, segments: tuple[str, ...], value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: self._child((*segments, str(k)), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._child((*segments, str(i)), v) for i, v in enumerate(value)]
        return value

    def _child(self, segments: tuple[str, ...], value: Any) -> Any:
        if value is not None and self._matches(segments):
            return REDACTED
        return self._walk(segments, value)

    def _covers(self, segments: tuple[str, ...]) -> bool:
        """True when the node or any of its ancestors is secret."""
        return any(self._matches(segments[:end]) for end in range(1, len(segments) + 1))

    def _matches(self, segments: tuple[str, ...]) -> bool:
        """True when a rule marks this exact node (not its ancestors) as secret."""
        return self._key_rule(segments) or any(
            _pattern_matches(pattern, segments) for pattern in self._patterns
        )

    def _key_rule(self, segments: tuple[str, ...]) -> bool:
        if self._key_re is None or len(segments) < 2 or segments[0] != _KEY_SCOPE:
            return False
        return self._key_re.search(segments[-1]) is not None


def _parse_pattern(pattern: str) -> tuple[str, ...]:
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise ValueError(f"redaction pattern {pattern!r} must be a JSON pointer starting with '/'")
    return split_pointer(pattern)


def _pattern_matches(pattern: tuple[str, ...], segments: tuple[str, ...]) -> bool:
    if len(pattern) != len(segments):
        return False
    return all(p in (_WILDCARD, s) for p, s in zip(pattern, segments, strict=True))


def _compile(key_regex: str) -> re.Pattern[str]:
    try:
        return re.compile(key_regex)
    except re.error as exc:
        raise ValueError(f"invalid redaction key_regex {key_regex!r}: {exc}") from exc
