"""Kubernetes label selectors, parsed and evaluated locally.

Users type selectors into the dashboard's filter box and scripts pass them in
query strings. Filtering happens against the informer's in-memory store, not
the apiserver, so the syntax must be parsed here, and it must mean exactly what
``kubectl get -l`` means: the same operators, the same key and value rules, and
errors that name the offending part instead of silently matching nothing.

Supported: ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a``
and ``!a``, joined by commas. As in Kubernetes, ``!=`` and ``notin`` also match
objects that lack the label, and ``in ()`` means "the value is empty".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_MAX_NAME = 63
_MAX_PREFIX = 253
_SPECIAL = ",()=!<>"


class SelectorError(ValueError):
    """A label selector that Kubernetes would reject, with the reason."""


class Operator(enum.StrEnum):
    EQUALS = "="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"


_OPERATOR_RANK = {op: rank for rank, op in enumerate(Operator)}


@dataclass(frozen=True)
class Requirement:
    """One comma-separated term. ``values`` is sorted; empty for (not-)exists."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator is Operator.EXISTS:
            return present
        if self.operator is Operator.DOES_NOT_EXIST:
            return not present
        inside = present and labels[self.key] in self.values
        if self.operator in (Operator.EQUALS, Operator.IN):
            return inside
        return not inside

    def sort_key(self) -> tuple[str, int, tuple[str, ...]]:
        return self.key, _OPERATOR_RANK[self.operator], self.values

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        if self.operator in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {self.operator} ({','.join(self.values)})"
        return f"{self.key}{self.operator}{self.values[0]}"


@dataclass(frozen=True)
class Selector:
    """A conjunction of requirements, kept sorted and de-duplicated (canonical)."""

    requirements: tuple[Requirement, ...] = field(default=())

    def __post_init__(self) -> None:
        canonical = tuple(sorted(set(self.requirements), key=Requirement.sort_key))
        object.__setattr__(self, "requirements", canonical)

    @property
    def empty(self) -> bool:
        """True when the selector has no requirements and so matches everything."""
        return not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    def equalities(self) -> dict[str, str]:
        """Labels every match must carry with exactly this value, for index lookups.

        A pre-filter only: callers still check ``matches``. When one key has two
        conflicting equalities the first (canonical order) is returned; nothing
        can match such a selector anyway.
        """
        found: dict[str, str] = {}
        for r in self.requirements:
            if r.operator in (Operator.EQUALS, Operator.IN) and len(r.values) == 1:
                found.setdefault(r.key, r.values[0])
        return found

    @property
    def indexable(self) -> bool:
        """True when ``equalities()`` says it all: an index lookup needs no ``matches``."""
        return len(self.equalities()) == len(self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_selector(text: str) -> Selector:
    """Parse ``kubectl -l`` syntax. An empty or blank string matches everything."""
    if not isinstance(text, str):
        raise SelectorError(f"a label selector must be a string, not {type(text).__name__}")
    return Selector(tuple(_Parser(text).parse()))


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "ident", "end", or the operator/punctuation text itself
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
        elif text.startswith(("==", "!="), pos):
            tokens.append(_Token(text[pos : pos + 2], text[pos : pos + 2], pos))
            pos += 2
        elif char in _SPECIAL:
            tokens.append(_Token(char, char, pos))
            pos += 1
        else:
            end = pos
            while end < len(text) and not text[end].isspace() and text[end] not in _SPECIAL:
                end += 1
            tokens.append(_Token("ident", text[pos:end], pos))
            pos = end
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    """Recursive descent over the tokens; one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = _tokenize(text)
        self._index = 0

    def parse(self) -> list[Requirement]:
        if self._peek().kind == "end":
            return []
        requirements = [self._requirement()]
        while True:
            token = self._next()
            if token.kind == "end":
                return requirements
            if token.kind != ",":
                raise self._error(token, "expected ',' or the end of the selector")
            requirements.append(self._requirement())

    def _requirement(self) -> Requirement:
        token = self._next()
        if token.kind == "!":
            return Requirement(self._key(self._next()), Operator.DOES_NOT_EXIST)
        key = self._key(token)
        operator = self._peek()
        if operator.kind in (",", "end"):
            return Requirement(key, Operator.EXISTS)
        self._next()
        if operator.kind in ("=", "==", "!="):
            op = Operator.NOT_EQUALS if operator.kind == "!=" else Operator.EQUALS
            return Requirement(key, op, (self._single_value(),))
        if operator.kind == "ident" and operator.text in ("in", "notin"):
            return Requirement(key, Operator(operator.text), self._value_set())
        if operator.kind in ("<", ">"):
            raise self._error(operator, f"operator {operator.text!r} is not supported")
        raise self._error(operator, f"expected an operator after key {key!r}")

    def _single_value(self) -> str:
        token = self._peek()
        if token.kind == "ident":
            self._next()
            return self._value(token)
        if token.kind in (",", "end"):
            return ""
        raise self._error(token, "expected a value")

    def _value_set(self) -> tuple[str, ...]:
        opening = self._next()
        if opening.kind != "(":
            raise self._error(opening, "expected '(' to open the value set")
        values: set[str] = set()
        while True:
            token = self._next()
            if token.kind == "ident":
                values.add(self._value(token))
                token = self._next()
            else:
                values.add("")
            if token.kind == ")":
                return tuple(sorted(values))
            if token.kind != ",":
                raise self._error(token, "expected ',' or ')' in the value set")

    def _key(self, token: _Token) -> str:
        if token.kind != "ident":
            raise self._error(token, "expected a label key")
        problem = _key_problem(token.text)
        if problem:
            raise self._error(token, f"invalid label key {token.text!r}: {problem}")
        return token.text

    def _value(self, token: _Token) -> str:
        problem = _value_problem(token.text)
        if problem:
            raise self._error(token, f"invalid label value {token.text!r}: {problem}")
        return token.text

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _next(self) -> _Token:
        token = self._tokens[self._index]
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def _error(self, token: _Token, detail: str) -> SelectorError:
        found = repr(token.text) if token.kind != "end" else "the end"
        return SelectorError(
            f"invalid label selector {self._text!r}: {detail} (found {found} at {token.pos})"
        )


def _key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        return "the prefix before '/' is empty"
    if "/" in prefix:
        return "a key may contain at most one '/'"
    if slash and (len(prefix) > _MAX_PREFIX or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return f"the prefix must be a DNS subdomain of at most {_MAX_PREFIX} characters"
    if not name:
        return "the name part is empty"
    return _name_problem(name)


def _value_problem(value: str) -> str | None:
    return _name_problem(value) if value else None


def _name_problem(name: str) -> str | None:
    if len(name) > _MAX_NAME:
        return f"longer than {_MAX_NAME} characters"
    if not _NAME.fullmatch(name):
        return "must be alphanumerics with '-', '_' or '.' inside, and start and end alphanumeric"
    return None
