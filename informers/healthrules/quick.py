"""The common small CEL expressions, evaluated in Python with CEL's exact semantics.

Why: most rule expressions are comparisons of inputs with literals joined by ``&&``,
``||`` and ``!`` (``phase == "Failed" || ready == "False"``). Running them through the CEL
library means converting every variable into CEL values first, which costs more than the
comparison itself by far; the state of every object is evaluated on every change, so this
module evaluates that subset directly. What it accepts it evaluates as CEL does
(heterogeneous equality is false, ``&&``/``||`` absorb an error when the other side
decides, ordering across types is an error); anything it is not sure of raises ``Unsure``
and the caller runs the real CEL program instead. Anything outside the subset (function
calls, macros, arithmetic, ``in``, escapes in strings) is not compiled here at all.

Subset: literals (double-quoted or single-quoted strings without escapes, integers,
decimals, ``true``, ``false``, ``null``), names and field selections (``object.status.x``,
``conditions.Ready.status``, ``name["key"]``), ``== != < <= > >=``, ``! && ||`` and
parentheses; the macros ``all``, ``exists``, ``exists_one`` and ``filter`` (followed by
field selections and constant indices, ``list.filter(x, p)[0].name``), ``size()`` of a
list or map, and ``+`` of two strings. The macros behave as the library's do, which is
not quite CEL's specification: an error in any element's predicate is the macro's error
unless ``exists`` met a true (or ``all`` a false) element before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

_TOKEN = re.compile(
    r"""\s*(?:(?P<num>\d+\.\d+|\d+(?![\w.]))|(?P<str>"[^"\\\n]*"|'[^'\\\n]*')"""
    r"""|(?P<id>[A-Za-z_]\w*)|(?P<op>==|!=|<=|>=|&&|\|\||[<>!().\[\],+?:]))"""
)
_INT64 = (-(2**63), 2**63 - 1)
_EXACT_FLOAT_INT = 2**53


class Unsure(Exception):
    """The quick evaluator cannot be certain of CEL's answer: run the real program."""


class Paths(Protocol):
    """Reads a name and its field selections (raises KeyError-like ``missing`` errors)."""

    def select(self, root: str, path: tuple[str, ...]) -> Any: ...

    def value(self, name: str) -> Any: ...


Quick = Callable[[Paths], Any]


def compile_quick(source: str) -> Quick | None:
    """A Python evaluator for ``source``, or None when it is outside the subset."""
    tokens = _tokens(source)
    if tokens is None:
        return None
    parser = _Parser(tokens)
    try:
        node = parser.expression()
    except _NotInSubset:
        return None
    if parser.at < len(tokens):
        return None
    return node


class _NotInSubset(Exception):
    pass


def _tokens(source: str) -> list[tuple[str, str]] | None:
    found: list[tuple[str, str]] = []
    at = 0
    stripped = source.rstrip()
    while at < len(stripped):
        match = _TOKEN.match(stripped, at)
        if match is None or match.end() == at:
            return None
        group = match.lastgroup
        assert group is not None
        found.append((group, match.group(group)))
        at = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] == text:
            self.at += 1
            return True
        return False

    def expression(self) -> Quick:
        condition = self.disjunction()
        if not self.take("?"):
            return condition
        chosen = self.disjunction()
        if not self.take(":"):
            raise _NotInSubset
        return _choice(condition, chosen, self.expression())

    def disjunction(self) -> Quick:
        operands = [self.conjunction()]
        while self.take("||"):
            operands.append(self.conjunction())
        if len(operands) > 1:
            member = _membership(operands)
            if member is not None:
                return member
        left = operands[0]
        for right in operands[1:]:
            left = _or(left, right)
        return left

    def conjunction(self) -> Quick:
        left = self.unary()
        while self.take("&&"):
            left = _and(left, self.unary())
        return left

    def unary(self) -> Quick:
        if self.take("!"):
            return _not(self.unary())
        return self.comparison()

    def comparison(self) -> Quick:
        left = self.addition()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in _COMPARE:
            self.at += 1
            right = self.addition()
            if token[1] in ("==", "!="):
                special = _equal_literal(token[1], left, right)
                if special is not None:
                    return special
            return _compare(token[1], left, right)
        return left

    def addition(self) -> Quick:
        left = self.operand()
        while self.take("+"):
            left = _concat(left, self.operand())
        return left

    def operand(self) -> Quick:
        token = self.peek()
        if token is None:
            raise _NotInSubset
        kind, text = token
        self.at += 1
        if kind == "op" and text == "(":
            inner = self.expression()
            if not self.take(")"):
                raise _NotInSubset
            return inner
        if kind == "num":
            return _literal(float(text) if "." in text else int(text))
        if kind == "str":
            return _literal(text[1:-1])
        if kind != "id":
            raise _NotInSubset
        if text in _LITERALS:
            return _literal(_LITERALS[text])
        if text in _RESERVED:
            raise _NotInSubset
        if text in _FUNCTIONS and self.take("("):
            inner = self.expression()
            if not self.take(")"):
                raise _NotInSubset
            return self.postfix(_FUNCTIONS[text](inner))
        if text == "has" and self.take("("):
            token = self.peek()
            if token is None or token[0] != "id" or token[1] in _ROOTS:
                raise _NotInSubset  # has() on the object's paths: nulls there read as absent
            self.at += 1
            path: list[str] = []
            while self.take("."):
                step = self.peek()
                if step is None or step[0] != "id":
                    raise _NotInSubset
                self.at += 1
                path.append(step[1])
            if not path or not self.take(")"):
                raise _NotInSubset
            return _has(token[1], tuple(path))
        return self.selection(text)

    def selection(self, root: str) -> Quick:
        path: list[str] = []
        while True:
            if self.take("."):
                token = self.peek()
                if token is None or token[0] != "id":
                    raise _NotInSubset
                self.at += 1
                if self.peek() == ("op", "("):
                    # a method call: one of the macros, on the path so far
                    return self.postfix(self.macro(_select(root, tuple(path)), token[1]))
                path.append(token[1])
            elif self.take("["):
                token = self.peek()
                if token is not None and token[0] == "num":
                    self.at -= 1  # a list index: the path so far is a value
                    return self.postfix(_select(root, tuple(path)))
                if token is None or token[0] != "str" or not self.take_after_str("]"):
                    raise _NotInSubset
                path.append(token[1][1:-1])
            else:
                break
        return _select(root, tuple(path))

    def macro(self, target: Quick, name: str) -> Quick:
        """``target.name(var, predicate)`` for the macros in ``_MACROS`` (or
        ``target.contains(text)``); the ``(`` is next."""
        if name == "contains" and self.take("("):
            argument = self.expression()
            if not self.take(")"):
                raise _NotInSubset
            return _contains(target, argument)
        if name not in _MACROS or not self.take("("):
            raise _NotInSubset
        token = self.peek()
        if token is None or token[0] != "id" or token[1] in _LITERALS or token[1] in _ROOTS:
            raise _NotInSubset
        self.at += 1
        if not self.take(","):
            raise _NotInSubset
        predicate = self.expression()
        if not self.take(")"):
            raise _NotInSubset
        return _MACROS[name](target, token[1], predicate)

    def postfix(self, node: Quick) -> Quick:
        """Field selections, constant indices and macros after a value that is not a name."""
        while True:
            if self.take("."):
                token = self.peek()
                if token is None or token[0] != "id":
                    raise _NotInSubset
                self.at += 1
                if self.peek() == ("op", "("):
                    node = self.macro(node, token[1])
                else:
                    node = _field(node, token[1])
            elif self.take("["):
                token = self.peek()
                if token is None or token[0] not in ("num", "str") or not self.take_after_str("]"):
                    raise _NotInSubset
                if token[0] == "num" and "." in token[1]:
                    raise _NotInSubset
                node = _index(node, int(token[1]) if token[0] == "num" else token[1][1:-1])
            else:
                return node

    def take_after_str(self, closing: str) -> bool:
        self.at += 1
        return self.take(closing)


_LITERALS: Mapping[str, Any] = {"true": True, "false": False, "null": None}
_ROOTS = frozenset({"object", "conditions", "generation"})
_RESERVED = frozenset({"in", "as", "break", "const", "continue", "else", "for", "function"})
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


# Parsed nodes are closures; these attributes tell the parser what a node is, so that the
# commonest shapes get a closure of their own (``_equal_literal``, ``_membership``).
_LITERAL = "_quick_literal"  # (value,)
_NAME = "_quick_name"  # a bare variable name
_NAME_IS_TEXT = "_quick_name_is_text"  # (name, text): ``name == "text"``
_FALSE_IF_NULL = "_quick_false_if_null"  # names: when any is null, the node is false


def false_if_null(node: Quick | None) -> frozenset[str]:
    """The names such that, when any of them is null, ``node`` gives false without error
    (``x == "a"``, ``x != null``, a conjunction with one such side, a disjunction with
    such sides only): what lets a rule be skipped without running it."""
    return getattr(node, _FALSE_IF_NULL, frozenset())


def _literal(value: Any) -> Quick:
    def run(_paths: Paths) -> Any:
        return value

    setattr(run, _LITERAL, (value,))
    return run


def _select(root: str, path: tuple[str, ...]) -> Quick:
    if path or root in ("object", "conditions"):
        return lambda paths: paths.select(root, path)

    def run(paths: Paths) -> Any:
        return paths.value(root)

    setattr(run, _NAME, root)
    return run


def _equal_literal(op: str, left: Quick, right: Quick) -> Quick | None:
    """``x == <scalar literal>`` (either way round) without the general machinery."""
    if hasattr(right, _LITERAL):
        other, (literal,) = left, getattr(right, _LITERAL)
    elif hasattr(left, _LITERAL):
        other, (literal,) = right, getattr(left, _LITERAL)
    else:
        return None
    negate = op == "!="
    if literal is None:

        def run(paths: Paths) -> Any:
            return (other(paths) is None) is not negate

    elif isinstance(literal, bool):

        def run(paths: Paths) -> Any:
            return (other(paths) is literal) is not negate

    elif isinstance(literal, str):

        def run(paths: Paths) -> Any:
            value = other(paths)
            return (isinstance(value, str) and value == literal) is not negate

        if not negate and hasattr(other, _NAME):
            setattr(run, _NAME_IS_TEXT, (getattr(other, _NAME), literal))
    else:
        return None
    if negate == (literal is None) and hasattr(other, _NAME):
        setattr(run, _FALSE_IF_NULL, frozenset({getattr(other, _NAME)}))
    return run


def _membership(operands: list[Quick]) -> Quick | None:
    """``x == "a" || x == "b" || ...`` as one set lookup (same result: each side reads the
    same variable, so they all err or none does)."""
    pairs = [getattr(o, _NAME_IS_TEXT, None) for o in operands]
    if any(p is None for p in pairs) or len({p[0] for p in pairs if p is not None}) != 1:
        return None
    name = pairs[0][0] if pairs[0] is not None else ""
    texts = frozenset(p[1] for p in pairs if p is not None)

    def run(paths: Paths) -> Any:
        value = paths.value(name)
        return isinstance(value, str) and value in texts

    setattr(run, _FALSE_IF_NULL, frozenset({name}))
    return run


def _not(inner: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        value = inner(paths)
        if isinstance(value, bool):
            return not value
        raise TypeError("no such overload")

    return run


def _and(left: Quick, right: Quick) -> Quick:
    """CEL's ``&&``: false if either side is false (even if the other errs), else an error
    if either errs, else true; anything but booleans is an error."""
    run = _logical(left, right, decisive=False)
    setattr(run, _FALSE_IF_NULL, false_if_null(left) | false_if_null(right))
    return run


def _or(left: Quick, right: Quick) -> Quick:
    """CEL's ``||``: the mirror image of ``_and``. A null side makes it false only when
    both sides would."""
    run = _logical(left, right, decisive=True)
    setattr(run, _FALSE_IF_NULL, false_if_null(left) & false_if_null(right))
    return run


def _logical(left: Quick, right: Quick, *, decisive: bool) -> Quick:
    """``&&`` (``decisive`` False) or ``||`` (True): the decisive value on either side wins
    even when the other side errs; otherwise an error on either side is the result."""

    def run(paths: Paths) -> Any:
        error: Exception | None = None
        try:
            a = left(paths)
        except Unsure:
            raise
        except Exception as exc:
            error, a = exc, None
        else:
            if a is decisive:
                return decisive
        try:
            b = right(paths)
        except Unsure:
            raise
        except Exception:
            if error is not None:
                raise error from None
            raise
        if b is decisive:
            return decisive
        if error is not None:
            raise error
        if a is (not decisive) and b is (not decisive):
            return not decisive
        raise TypeError("no such overload")

    return run


def _category(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise Unsure  # the library converts these in its own way
        return "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def equal(a: Any, b: Any) -> bool:
    """CEL's ``==`` on JSON values: values of different kinds are never equal (no error);
    lists and maps are left to CEL."""
    kind_a, kind_b = _category(a), _category(b)
    if kind_a != kind_b:
        return False
    if kind_a == "other":
        raise Unsure
    if kind_a == "number" and _inexact(a, b):
        raise Unsure
    return bool(a == b)


def _inexact(a: Any, b: Any) -> bool:
    """An int and a float beyond 2**53 may compare differently in CEL."""
    if isinstance(a, int) == isinstance(b, int):
        return False
    whole = a if isinstance(a, int) else b
    return bool(abs(whole) > _EXACT_FLOAT_INT)


def _order(op: str, a: Any, b: Any) -> bool:
    kind_a, kind_b = _category(a), _category(b)
    if kind_a == kind_b == "bool":
        raise Unsure
    if kind_a != kind_b or kind_a not in ("number", "string"):
        raise TypeError("no such overload")
    if kind_a == "number" and _inexact(a, b):
        raise Unsure
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _compare(op: str, left: Quick, right: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        a = left(paths)
        b = right(paths)
        if op == "==":
            return equal(a, b)
        if op == "!=":
            return not equal(a, b)
        return _order(op, a, b)

    return run


class _Bound:
    """The names seen inside a macro's predicate: its variable, then the outer names."""

    __slots__ = ("item", "name", "outer")

    def __init__(self, outer: Paths, name: str, item: Any) -> None:
        self.outer = outer
        self.name = name
        self.item = item

    def value(self, name: str) -> Any:
        if name == self.name:
            return self.item
        return self.outer.value(name)

    def select(self, root: str, path: tuple[str, ...]) -> Any:
        if root != self.name:
            return self.outer.select(root, path)
        node = self.item
        for step in path:
            node = _step(node, step)
        return node


def _step(node: Any, key: str) -> Any:
    """A field of a value inside the data (an element, not a path of the object): a
    missing key is missing, anything but a map is a type error, as in the library."""
    if not isinstance(node, Mapping):
        raise TypeError("no such overload")
    return node[key]  # KeyError: missing


def _items(target: Quick, paths: Paths) -> Any:
    value = target(paths)
    if type(value) is list or isinstance(value, list | tuple | Mapping):
        return value  # a map's elements are its keys
    raise TypeError("no such overload")


def _truth(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise TypeError("no such overload")


def _exists(target: Quick, name: str, predicate: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        return any(_truth(predicate(_Bound(paths, name, i))) for i in _items(target, paths))

    return run


def _all(target: Quick, name: str, predicate: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        return all(_truth(predicate(_Bound(paths, name, i))) for i in _items(target, paths))

    return run


def _exists_one(target: Quick, name: str, predicate: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        found = 0
        for item in _items(target, paths):
            if _truth(predicate(_Bound(paths, name, item))):
                found += 1
        return found == 1

    return run


def _filter(target: Quick, name: str, predicate: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        return [i for i in _items(target, paths) if _truth(predicate(_Bound(paths, name, i)))]

    return run


_MACROS: Mapping[str, Callable[[Quick, str, Quick], Quick]] = {
    "exists": _exists,
    "all": _all,
    "exists_one": _exists_one,
    "filter": _filter,
}


def _field(target: Quick, key: str) -> Quick:
    return lambda paths: _step(target(paths), key)


def _index(target: Quick, key: int | str) -> Quick:
    def run(paths: Paths) -> Any:
        value = target(paths)
        if isinstance(key, int) and isinstance(value, list | tuple):
            if not 0 <= key < len(value):
                raise IndexError(key)
            return value[key]
        if isinstance(key, str) and isinstance(value, Mapping):
            return value[key]
        raise Unsure  # other indexings: the library's rules

    return run


def _size(inner: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        value = inner(paths)
        if isinstance(value, list | tuple | Mapping):
            return len(value)
        if isinstance(value, str | bytes):
            raise Unsure  # the library counts a string's bytes, not its code points
        raise TypeError("no such overload")

    return run


def _concat(left: Quick, right: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        a = left(paths)
        b = right(paths)
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, str) or isinstance(b, str):
            raise TypeError("no such overload: CEL does not coerce to string")
        raise Unsure  # numbers, lists: the library's arithmetic

    return run


def _choice(condition: Quick, chosen: Quick, other: Quick) -> Quick:
    """``c ? a : b``: only the chosen branch is evaluated; a non-bool condition errs."""

    def run(paths: Paths) -> Any:
        return chosen(paths) if _truth(condition(paths)) else other(paths)

    return run


def _has(root: str, path: tuple[str, ...]) -> Quick:
    """``has(v.a.b)`` on a macro's variable or an input: the value as the library sees it
    (a null field is present)."""

    def run(paths: Paths) -> Any:
        node = paths.value(root)
        for step in path[:-1]:
            node = _step(node, step)
        if isinstance(node, Mapping):
            return path[-1] in node
        raise TypeError("no such overload")

    return run


def _string(inner: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        value = inner(paths)
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and _category(value):
            return str(value)
        raise Unsure  # other conversions: the library's formatting and errors

    return run


def _contains(target: Quick, argument: Quick) -> Quick:
    def run(paths: Paths) -> Any:
        text = target(paths)
        part = argument(paths)
        if isinstance(text, str) and isinstance(part, str):
            return part in text
        raise Unsure

    return run


_FUNCTIONS: Mapping[str, Callable[[Quick], Quick]] = {"size": _size, "string": _string}
