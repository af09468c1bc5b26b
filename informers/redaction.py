"""Masking secret-looking values before they reach a page, a history row or a log.

Custom resources often carry credentials in their spec (a database password, an
API token) even though they should live in Secrets. The dashboard shows objects
and keeps their history, so those values would be copied into HTML, into the
history database and into every browser that watches the object. Redaction
happens once, here, on the way in, and is deliberately conservative: hiding a
harmless value is cheap, leaking a password is not.

Four rules mark a value as secret; any one is enough, and a match hides the whole
sub-tree below it. They apply everywhere in the object (``spec``, ``status``, top-level
fields such as ``data``, ``metadata``), because controllers copy credentials into status
and some kinds keep them at the top level:

1. **Key rule** (``key_regex``). The default matches, case-insensitively, keys
   containing ``password``, ``passwd``, ``token``, ``secret``,
   ``apikey``/``api_key``/``api-key``, ``privatekey``/``private_key``/``private-key``
   or ``credential``; keys that are exactly ``key``; and keys ending in ``_key`` or
   ``-key``. It also matches camelCase keys ending in ``Key`` (``sshKey``,
   ``accessKey``), case-sensitively, so that ``monkey`` stays visible. Keys such as
   ``secretName`` and ``tokenRef`` are hidden too; that is the price of being
   conservative.
2. **Pair rule**: in a mapping shaped like an environment variable, ``{name: X, value:
   Y}`` (or ``{key: X, value: Y}``), ``Y`` is secret when ``X`` matches the key rule.
3. **Pointer patterns**: JSON pointers (RFC 6901 escaping) where a ``*`` segment
   matches any one segment, e.g. ``/spec/auth/*/value``.
4. **Text rule** (``mask_text``), for every string that is shown, wherever it sits: the
   password of a URL's userinfo (``postgres://app:***redacted***@db``; a userinfo
   without a password is a token and is hidden whole) and the values of query
   parameters named like credentials (``?token=***redacted***``). A userinfo ends at
   the first ``/``, ``?`` or ``#`` (RFC 3986), so a password with an unescaped ``/``
   is not recognised.

``None`` values stay ``None``: they hide nothing and keep "removed" readable. Masking
is idempotent, so bodies stored already redacted can pass the redactor again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from informers.columns import key_segments, parent_values
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

_PAIR_NAMES = ("name", "key")
_PAIR_VALUE = "value"
# A userinfo runs from "//" to the last "@" before the path, query or fragment.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#]*)@")
_QUERY_PARAM = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s]+)=(?P<value>[^&;#\s]*)")
# Query parameters that carry credentials under names the key rule does not know
# (signed URLs: Azure SAS "sig", AWS "X-Amz-Signature"; "auth" in many webhooks).
_QUERY_SECRET_NAMES = re.compile(r"(?i:^sig$|signature|^auth$)")
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
        # Keys repeat across objects of a kind: judge each name once. Patterns are only
        # compared with paths of their own length.
        self._secret_name = lru_cache(maxsize=8192)(self._search_key)
        self._by_length: dict[int, tuple[tuple[str, ...], ...]] = {}
        for pattern in self._patterns:
            self._by_length[len(pattern)] = (*self._by_length.get(len(pattern), ()), pattern)
        # Printer-column paths repeat for every row: judge each once.
        self._column_covered = lru_cache(maxsize=1024)(self._covers_json_path)
        self._column_reads_value = lru_cache(maxsize=1024)(_reads_value)

    def redact(self, obj: Any) -> Any:
        """A deep copy of ``obj`` with secret values replaced by ``REDACTED``."""
        try:
            return self._walk((), obj)
        except RecursionError:  # too deep to inspect: fail closed
            return REDACTED

    def redact_change_value(self, path: str, value: Any, *, roots: Sequence[Any] = ()) -> Any:
        """Redact a diff value that sits at JSON pointer ``path`` in the object.

        ``roots`` are the whole objects the value comes from (the old and the new one of
        a diff): the pair rule needs the sibling ``name`` that a path alone does not show.
        """
        segments = split_pointer(path)
        if value is not None and (self._covers(segments) or self._in_secret_pair(segments, roots)):
            return REDACTED
        try:
            return self._walk(segments, value)
        except RecursionError:  # too deep to inspect: fail closed
            return REDACTED

    def covers_json_path(self, json_path: str) -> bool:
        """True when a printer column's JSONPath (``.spec.db.password``,
        ``.spec['password']``) reads a secret node or something inside one, so its value
        must not be shown. A list filter or index (``[?(@.type=="Ready")]``, ``[0]``)
        stands for any element."""
        return self._column_covered(json_path)

    def redact_column(self, obj: Mapping[str, Any], json_path: str, value: Any) -> Any:
        """A printer column's value as it may be shown: masked when the path is secret,
        when it reads the ``value`` of a secret pair, and with credentials in text masked."""
        if value is None:
            return None
        if self.covers_json_path(json_path):
            return REDACTED
        if self._column_reads_value(json_path) and any(
            self._pair_secret(parent) for parent in parent_values(obj, json_path)
        ):
            return REDACTED
        return self.mask_text(value) if isinstance(value, str) else value

    def mask_text(self, text: str) -> str:
        """``text`` with URL passwords and credential query values masked (text rule)."""
        return mask_text(text, self._key_re)

    def _covers_json_path(self, json_path: str) -> bool:
        segments = key_segments(json_path)
        if segments is None:  # not evaluable as a column, but judged all the same
            parts = _UNESCAPED_DOT.split(_BRACKETS.sub(".*", json_path))
            segments = tuple(p.replace("\\.", ".") for p in parts if p)
        return bool(segments) and self._covers(segments)

    def _in_secret_pair(self, segments: tuple[str, ...], roots: Sequence[Any]) -> bool:
        """True when a node on the path is the ``value`` of a secret pair in any root."""
        for end, segment in enumerate(segments):
            if segment != _PAIR_VALUE:
                continue
            for root in roots:
                if self._pair_secret(_node(root, segments[:end])):
                    return True
        return False

    def _pair_secret(self, node: Any) -> bool:
        if self._key_re is None or not isinstance(node, Mapping) or _PAIR_VALUE not in node:
            return False
        names = (node.get(k) for k in _PAIR_NAMES)
        return any(isinstance(n, str) and self._secret_name(n) for n in names)

    def _search_key(self, name: str) -> bool:
        return self._key_re is not None and self._key_re.search(name) is not None

    def _walk(self, segments: tuple[str, ...], value: Any) -> Any:
        if isinstance(value, dict | Mapping):
            pair = self._pair_secret(value)
            return {
                k: REDACTED
                if pair and k == _PAIR_VALUE and v is not None
                else self._child((*segments, str(k)), v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._child((*segments, str(i)), v) for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.mask_text(value)
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
        if self._key_rule(segments):
            return True
        same_length = self._by_length.get(len(segments))
        return same_length is not None and any(
            _pattern_matches(pattern, segments) for pattern in same_length
        )

    def _key_rule(self, segments: tuple[str, ...]) -> bool:
        return bool(segments) and self._secret_name(segments[-1])


def mask_text(text: str, key_re: re.Pattern[str] | None = None) -> str:
    """``text`` with the password of every URL userinfo and the value of every query
    parameter named like a credential replaced by ``REDACTED`` (the text rule).

    ``key_re`` names credential-like parameters (the default key rule when None). Used on
    every shown string, on status messages and on Event messages, so it is cheap for the
    common string that holds no URL.
    """
    if "@" not in text and "=" not in text:
        return text
    names = _DEFAULT_KEY_RE if key_re is None else key_re
    if "@" in text:
        text = _USERINFO.sub(_mask_userinfo, text)
    if "=" in text:
        text = _QUERY_PARAM.sub(lambda m: _mask_param(m, names), text)
    return text


def _mask_userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match["userinfo"].partition(":")
    shown = f"{user}:{REDACTED}" if colon else REDACTED
    return f"{match['scheme']}{shown}@"


def _mask_param(match: re.Match[str], names: re.Pattern[str]) -> str:
    name = match["name"]
    if not (names.search(name) or _QUERY_SECRET_NAMES.search(name)):
        return match[0]
    return f"{match['lead']}{name}={REDACTED}"


def masked_at(redacted: Any, path: str) -> bool:
    """True when the node at JSON pointer ``path`` of an already redacted object, or one of
    its ancestors, is ``REDACTED``: a change there cannot be shown as values."""
    node = redacted
    for segment in split_pointer(path):
        if node == REDACTED:
            return True
        if isinstance(node, Mapping):
            node = node.get(segment)
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return False
    return bool(node == REDACTED)


def _node(root: Any, segments: tuple[str, ...]) -> Any:
    """The node at ``segments`` in ``root``, or None when the path is absent."""
    node = root
    for segment in segments:
        if isinstance(node, Mapping):
            node = node.get(segment)
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return None
    return node


def _reads_value(json_path: str) -> bool:
    segments = key_segments(json_path)
    return segments is not None and bool(segments) and segments[-1] == _PAIR_VALUE


def _parse_pattern(pattern: str) -> tuple[str, ...]:
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise ValueError(f"redaction pattern {pattern!r} must be a JSON pointer starting with '/'")
    return split_pointer(pattern)


def _pattern_matches(pattern: tuple[str, ...], segments: tuple[str, ...]) -> bool:
    if len(pattern) != len(segments):
        return False
    return all(p in (_WILDCARD, s) for p, s in zip(pattern, segments, strict=True))


_DEFAULT_KEY_RE = re.compile(DEFAULT_KEY_REGEX)


def _compile(key_regex: str) -> re.Pattern[str]:
    try:
        return re.compile(key_regex)
    except re.error as exc:
        raise ValueError(f"invalid redaction key_regex {key_regex!r}: {exc}") from exc
