"""One compiled CEL expression of a health rule, and the object view it reads.

Why a view instead of the whole object: the CEL library converts every Python value it
is given into its own values on each evaluation, and for a typical custom resource that
costs hundreds of microseconds, far over the budget of a state evaluation. An expression
such as ``object.status.health.status`` can only observe the keys it names, so each rule
hands CEL a pruned copy holding just the paths its expressions select (the value at the
end of a path is kept whole). An expression that uses ``object`` other than through a
chain of field selections gets the whole object.

Why a cost bound of our own: the CEL library has no cost limit. CEL has no unbounded
loops; the only way to do more than linear work in the size of the data is to nest or
chain comprehension macros (``all``, ``exists``, ``exists_one``, ``map``, ``filter``).
A comprehension over a field path of the element of an enclosing comprehension that itself
ranges over a field path of the data (``parents.exists(p, p.conditions.exists(c, ...))``)
visits disjoint parts of the data across all the outer iterations, so together its runs
visit at most ``N`` values, where ``N`` counts the values in the data the expression can
reach: such a comprehension adds to the work instead of multiplying it. So the work of an
expression with ``k`` comprehension macros, ``m`` of which range over anything else, is
at most ``len(source) * (k + 1) * (N + 1) ** m``. An expression whose bound exceeds
``COST_LIMIT`` on an object is not run on that object: it gives a ``RuleError`` state
instead (see ``informers.healthrules.evaluate``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cel

from informers.healthrules.quick import Quick, compile_quick

#: Upper bound on an expression's estimated work on one object (see the module docstring).
COST_LIMIT = 1_000_000
#: Containers nested deeper than this in the data an expression reads make it refuse the
#: object: the CEL library converts values recursively and would exhaust its stack.
MAX_VIEW_DEPTH = 128
ROOTS = ("object", "conditions")
BUILTIN_VARIABLES = frozenset({"object", "conditions", "generation"})

_STRING = re.compile(
    r"""(?:[rR]?[bB]?|[bB]?[rR]?)(?:'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""",
    re.DOTALL,
)
_COMPREHENSION = re.compile(r"\.\s*(?:all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_]\w*)")
_TOKEN = re.compile(
    r"""(?P<ident>[A-Za-z_]\w*)|(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<sym>\S)"""
)
_KEYWORDS = frozenset({"true", "false", "null", "in", "has", "dyn", "int", "uint", "double"})
_POSITION = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")

#: A path trie: key -> subtrie; an empty dict under a key means "keep this value whole".
Trie = dict[str, Any]
WHOLE: Trie = {"": None}  # marker trie: the root is used whole


class CompileError(ValueError):
    """A CEL expression that does not compile; ``line``/``column`` are 1-based in it."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Expression:
    source: str
    program: Any  # cel.Program
    variables: frozenset[str]
    comprehensions: int
    #: the comprehensions whose work multiplies (see the module docstring)
    multiplying: int
    #: root variable name -> path trie it selects (``WHOLE`` when used other than by paths)
    paths: Mapping[str, Trie] = field(default_factory=dict)
    #: set when the whole expression is a name followed by field selections, e.g.
    #: ``object.status.phase`` or ``conditions.Ready.reason`` or an input's name: such an
    #: expression is read in Python (same result, no CEL conversion; see ``evaluate``)
    fast: tuple[str, tuple[str, ...]] | None = None
    #: a Python evaluator for the common subset (``informers.healthrules.quick``)
    quick: Quick | None = None
    #: at least the number of elements of the lists written in the expression itself (a
    #: comprehension can range over one as well as over the data): its commas, plus one
    literal_items: int = 0

    def run(self, context: Any) -> Any:
        return self.program.execute(context)


def compile_expression(source: str) -> Expression:
    """Compile ``source``; raises ``CompileError`` with the position CEL reported."""
    if not source.strip():
        raise CompileError("empty expression")
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise _compile_error(str(exc)) from None
    except BaseException as exc:  # a panic in the extension must not take the loader down
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise CompileError(f"does not compile: {exc}") from None
    code = _STRING.sub('""', source)
    bound = frozenset(_COMPREHENSION.findall(code))
    comprehensions = len(_COMPREHENSION.findall(code))
    multiplying = min(comprehensions, multiplying_comprehensions(source))
    return Expression(
        source=source,
        program=program,
        variables=frozenset(program.variables()) - bound,
        comprehensions=comprehensions,
        multiplying=multiplying,
        paths=selected_paths(source),
        fast=_fast_path(source),
        # the Python evaluator has no cost bound of its own: it takes only expressions
        # whose work is linear in the data (at most one multiplying comprehension)
        quick=compile_quick(source) if multiplying <= 1 else None,
        literal_items=code.count(",") + 1,
    )


def _fast_path(source: str) -> tuple[str, tuple[str, ...]] | None:
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(source)]
    if not tokens or tokens[0][0] != "ident" or tokens[0][1] in _KEYWORDS:
        return None
    path, end = _chain(tokens, 1)
    if end != len(tokens):
        return None
    return tokens[0][1], tuple(path)


_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})


def multiplying_comprehensions(source: str) -> int:
    """How many comprehension macros of ``source`` may multiply its work.

    Every macro counts except one whose range is a field path of the variable of an
    enclosing macro that ranges over a field path (of the data, or of such a variable,
    and so on): its runs visit disjoint parts of the data (see the module docstring).
    """
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(source)]
    # open parentheses: (macro's variable or None, that macro ranges over plain paths)
    scopes: list[tuple[str | None, bool]] = []
    count = 0
    i = 0
    while i < len(tokens):
        text = tokens[i][1]
        if (
            text == "."
            and i + 3 < len(tokens)
            and tokens[i + 1][1] in _MACROS
            and tokens[i + 1][0] == "ident"
            and tokens[i + 2][1] == "("
            and tokens[i + 3][0] == "ident"
        ):
            plain, linear = _range_kind(tokens, i, scopes)
            if not linear:
                count += 1
            scopes.append((tokens[i + 3][1], plain))
            i += 3
            continue
        if text in ("(", "["):
            scopes.append((None, False))
        elif text in (")", "]") and scopes:
            scopes.pop()
        i += 1
    return count


def _range_kind(
    tokens: list[tuple[str | None, str]], at: int, scopes: list[tuple[str | None, bool]]
) -> tuple[bool, bool]:
    """For the macro whose ``.`` is at ``at``: (its range is a plain field path of the data
    or of a plain macro's variable, it is a field path of such a variable)."""
    start = at
    while start >= 2 and tokens[start - 1][0] == "ident" and tokens[start - 2][1] == ".":
        start -= 2
    if start < 1 or tokens[start - 1][0] != "ident" or tokens[start - 1][1] in _KEYWORDS:
        return False, False
    if start >= 2 and tokens[start - 2][1] in (".", ")", "]"):
        return False, False
    root = tokens[start - 1][1]
    for variable, plain in reversed(scopes):
        if variable == root:
            # the variable (or a field path of it): only linear when that macro's range
            # is a plain path (its elements are then disjoint parts of the data)
            return plain, plain
    return True, False


def _compile_error(text: str) -> CompileError:
    found = _POSITION.search(text)
    if found is None:
        return CompileError(text.split("\n", 1)[0])
    return CompileError(found.group(3).strip(), int(found.group(1)), int(found.group(2)))


def selected_paths(source: str) -> dict[str, Trie]:
    """For each root variable, the trie of field paths ``source`` selects from it.

    A chain is ``root`` followed by ``.field`` or ``["literal"]`` steps; a last ``.name``
    followed by ``(`` is a method call, not a field. Any other use of a root (bare, or
    indexed by a computed key) makes it ``WHOLE``.
    """
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(source)]
    found: dict[str, Trie] = {}
    for i, (group, text) in enumerate(tokens):
        if group != "ident" or text not in ROOTS:
            continue
        if i > 0 and tokens[i - 1][1] == ".":
            continue  # a field that happens to be called "object"
        path, end = _chain(tokens, i + 1)
        if end < len(tokens) and tokens[end][1] == "(" and path:
            path = path[:-1]
        if not path:
            found[text] = WHOLE
            continue
        trie = found.setdefault(text, {})
        if trie is WHOLE:
            continue
        _insert(trie, path)
    return found


def _chain(tokens: list[tuple[str | None, str]], i: int) -> tuple[list[str], int]:
    path: list[str] = []
    while i < len(tokens):
        if tokens[i][1] == "." and i + 1 < len(tokens) and tokens[i + 1][0] == "ident":
            path.append(tokens[i + 1][1])
            i += 2
        elif (
            tokens[i][1] == "["
            and i + 2 < len(tokens)
            and tokens[i + 1][0] == "str"
            and tokens[i + 2][1] == "]"
            and "\\" not in tokens[i + 1][1]
        ):
            path.append(tokens[i + 1][1][1:-1])
            i += 3
        else:
            break
    return path, i


def _insert(trie: Trie, path: list[str]) -> None:
    node = trie
    for step in path[:-1]:
        child = node.get(step)
        if child is not None and not child:
            return  # an ancestor is already kept whole
        node = node.setdefault(step, {})
    node[path[-1]] = {}  # kept whole (replaces any finer selection below it)


def merge_paths(into: dict[str, Trie], more: Mapping[str, Trie]) -> None:
    """Union of two path tries per root (a rule's view serves all its expressions)."""
    for root, trie in more.items():
        mine = into.get(root)
        if mine is WHOLE or trie is WHOLE:
            into[root] = WHOLE
        elif mine is None:
            into[root] = _copy(trie)
        else:
            _union(mine, trie)


def _copy(trie: Trie) -> Trie:
    return {k: _copy(v) for k, v in trie.items()}


def _union(into: Trie, more: Trie) -> None:
    for key, sub in more.items():
        mine = into.get(key)
        if mine is None:
            into[key] = _copy(sub)
        elif not mine:
            continue
        elif not sub:
            into[key] = {}
        else:
            _union(mine, sub)


class ViewError(ValueError):
    """The data an expression would read cannot be handed to CEL safely."""


def view(value: Any, trie: Trie) -> Any:
    """``value`` pruned to the paths in ``trie``; JSON nulls on a path count as absent."""
    if trie is WHOLE:
        return value
    if not isinstance(value, Mapping):
        return value  # a type error for CEL to report when it selects a field of it
    out: dict[str, Any] = {}
    for key, sub in trie.items():
        child = value.get(key)
        if child is None:
            continue
        out[key] = view(child, sub) if sub else child
    return out


def measure(value: Any, *, limit: int) -> int:
    """Count the values in ``value`` (stopping once past ``limit``); raise when too deep.

    Why the shortcuts: it runs before every expression with comprehensions, and most values
    in an object are strings and numbers, counted without a trip through the stack.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    push = stack.append
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > limit:
            return count
        kind = type(item)
        if kind is dict or (kind is not list and isinstance(item, Mapping)):
            children: Any = item.values()
        elif kind is list or isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth >= MAX_VIEW_DEPTH:
            raise ViewError(f"the data it reads is nested deeper than {MAX_VIEW_DEPTH} levels")
        depth += 1
        for child in children:
            if child is None or type(child) in _SCALARS:
                count += 1
            else:
                push((child, depth))
    return count


_SCALARS = frozenset({str, int, float, bool})


def values_over(expression: Expression, values: int) -> bool:
    """True when the expression's worst-case work on data of ``values`` values exceeds
    ``COST_LIMIT`` (see the module docstring)."""
    if expression.comprehensions == 0:
        return False
    reach = values + expression.literal_items  # the data, and lists written in the source
    steps = (reach + 1) ** expression.multiplying
    work: int = len(expression.source) * (expression.comprehensions + 1) * steps
    return work > COST_LIMIT


def names_in(source: str) -> tuple[str, ...]:
    """Every identifier and string literal's text in ``source`` (for the secret check)."""
    found: list[str] = []
    for match in _TOKEN.finditer(source):
        if match.lastgroup == "ident":
            found.append(match.group())
        elif match.lastgroup == "str":
            found.append(match.group()[1:-1])
    return tuple(found)
