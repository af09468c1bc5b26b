"""List queries over one kind's cache: filters, sort, and keyset pagination.

Why shared: the UI list and ``/api/v1/resources/{group}/{plural}`` must agree exactly on
what a filter means and on page boundaries. Pagination is keyset-based: a ``continue``
token holds the last (sort value, key) served, so inserts and deletes elsewhere never
repeat or skip an item. Tokens are signed and bound to their query.
"""

from __future__ import annotations

import hashlib
import heapq
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Protocol

from dashboard.core.auth.access import namespace_filter
from dashboard.core.auth.redactor import shown_columns
from dashboard.core.listing.cells import cells
from dashboard.core.listing.tokens import BadToken, TokenCodec
from informers import (
    STATE_ORDER,
    Entry,
    KindInfo,
    Selector,
    SelectorError,
    State,
    Store,
    parse_selector,
    sort_item,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_TOKENS = TokenCodec(salt="crscope.continue")
BUILTIN_SORTS = ("name", "namespace", "age", "state")


class Listable(Protocol):
    """What a list page is cut from: a kind and a store of its objects. An ``Informer``
    is one; a kind's past, rebuilt from history, is another (``ui.pages.listing.asof``),
    so both are filtered, sorted and paged by the same code."""

    @property
    def kind(self) -> KindInfo: ...

    @property
    def store(self) -> Store: ...


class QueryError(ValueError):
    """A bad query parameter; ``param`` names it so the caller can say what is wrong."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class ListQuery:
    namespace: str | None = None
    selector: Selector | None = None
    states: tuple[State, ...] = ()
    stuck: bool | None = None
    search: str = ""
    sort: str = "name"
    limit: int = DEFAULT_LIMIT

    def fingerprint(self, scope: str = "") -> str:
        """What a continue token is bound to; ``scope`` names the list (its kind)."""
        text = "|".join(
            [
                scope,
                self.namespace or "",
                str(self.selector or ""),
                ",".join(sorted(self.states)),
                str(self.stuck),
                self.search,
                self.sort,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def finds(self, name: str) -> bool:
        """The name search: a case-insensitive substring ("" finds everything)."""
        return not self.search or self.search.lower() in name.lower()

    def shows(self, entry: Entry) -> bool:
        """Whether ``entry`` passes every filter but ``stuck``, one object at a time.

        The page reads the same filters from the store's indexes; the live list asks this
        for each change, so "would this change move my page?" and the page itself cannot
        disagree. ``stuck`` moves with time, not with changes, so it is not tested here.
        """
        if self.namespace is not None and entry.namespace != self.namespace:
            return False
        if self.states and entry.status.state not in self.states:
            return False
        if self.selector is not None and not self.selector.matches(entry.labels):
            return False
        return self.finds(entry.name)


Params = Mapping[str, Sequence[str]]


def _one(params: Params, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    return values[-1]


def parse_list_query(
    params: Params, *, columns: Sequence[str] = (), max_limit: int = MAX_LIMIT
) -> ListQuery:
    """Validate query parameters; raises QueryError naming the first bad one."""
    selector = None
    raw_selector = (_one(params, "labelSelector") or "").strip()
    if raw_selector:
        try:
            selector = parse_selector(raw_selector)
        except SelectorError as exc:
            raise QueryError("labelSelector", str(exc)) from exc
    states: list[State] = []
    for value in params.get("state", []):
        for part in (p for p in value.split(",") if p):
            try:
                states.append(State(part))
            except ValueError:
                allowed = ", ".join(s.value for s in State)
                raise QueryError("state", f"unknown state {part!r}; use one of {allowed}") from None
    stuck = _parse_bool(_one(params, "stuck"), "stuck")
    sort = (_one(params, "sort") or "name").strip()
    if sort.lstrip("-") not in (*BUILTIN_SORTS, *columns):
        choices = ", ".join([*BUILTIN_SORTS, *columns])
        raise QueryError("sort", f"unknown column {sort.lstrip('-')!r}; use one of {choices}")
    limit = _parse_limit(_one(params, "limit"), max_limit)
    namespace = (_one(params, "namespace") or "").strip() or None
    search = (_one(params, "search") or "").strip()[:253]
    return ListQuery(
        namespace=namespace,
        selector=selector,
        states=tuple(dict.fromkeys(states)),
        stuck=stuck,
        search=search,
        sort=sort,
        limit=limit,
    )


def _parse_bool(value: str | None, name: str) -> bool | None:
    if value is None or value == "":
        return None
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise QueryError(name, f"expected true or false, got {value[:40]!r}")


def _parse_limit(value: str | None, max_limit: int) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise QueryError("limit", f"expected a positive integer, got {value[:40]!r}") from None
    if limit < 1:
        raise QueryError("limit", "must be at least 1")
    return min(limit, max_limit)


@dataclass(frozen=True)
class Row:
    entry: Entry
    columns: dict[str, Any]
    stuck: bool


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    continue_token: str | None


@dataclass(frozen=True)
class PageRequest:
    """One page asked of a kind's list: what matches, who asks, where to resume.

    Frozen and hashable, so the page memo (``pagecache``) keys on it as it is.
    ``namespaces`` are the ones the caller may see, None for all.
    """

    query: ListQuery
    namespaces: AbstractSet[str] | None
    stuck_after: float
    continue_token: str | None = None

    def __post_init__(self) -> None:
        if self.namespaces is not None and not isinstance(self.namespaces, frozenset):
            object.__setattr__(self, "namespaces", frozenset(self.namespaces))


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (2, "")
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value))


def _entry_key(column: str) -> Callable[[Entry], tuple[Any, ...]]:
    """The sort key of a built-in column, from the entry alone (no Row needed)."""
    if column == "name":  # the name is the key's last part: no metadata lookup per row
        return lambda e: ((1, e.key.rpartition("/")[2]), e.key)
    # Flat tuples (rank, value, key): an ordering compares them ~17 times per write.
    if column == "namespace":
        return lambda e: (*_sortable(e.namespace), e.key)
    if column == "age":  # youngest first, as `kubectl get --sort-by` users expect from "age"
        return lambda e: (*_sortable(_negated(e.metadata.get("creationTimestamp"))), e.key)
    return lambda e: (0, -STATE_ORDER[e.status.state], e.key)  # state


def _sort_key(column: str, kind: KindInfo) -> tuple[Hashable, Callable[[Entry], tuple[Any, ...]]]:
    """The sort key of ``column`` and the name the store keeps its order under.

    A printer column sorts by what it shows (``REDACTED`` for one that reads a secret, so
    the order tells nothing the cell does not); its order is named by the column's path
    too, so a CRD that changes what a column reads gets a new order, not a stale one.
    """
    if column in BUILTIN_SORTS:
        return ("builtin", column), _entry_key(column)
    found = [c for c in kind.columns if c.name == column]
    if not found:
        raise QueryError("sort", f"unknown column {column[:60]!r}")
    shown = (found[0],)
    return (
        ("column", column, found[0].json_path),
        lambda e: (*_sortable(shown_columns(e.obj, shown).get(column)), e.key),
    )


_NEGATE_DIGITS = str.maketrans("0123456789", "9876543210")


def _negated(stamp: Any) -> str:
    # ISO timestamps sort as strings; complementing digits reverses the order.
    return str(stamp).translate(_NEGATE_DIGITS)


def _matching(
    informer: Listable,
    query: ListQuery,
    *,
    namespaces: AbstractSet[str] | None,
    stuck_after: float,
    now: float,
) -> list[tuple[Entry, bool]]:
    """Entries matching ``query`` that the caller may see, each with its stuck flag."""
    ns_filter = namespace_filter(namespaces, informer.kind, query.namespace)
    if ns_filter == []:
        return []
    entries = informer.store.list(
        namespaces=ns_filter,
        selector=query.selector,
        states=query.states or None,
        where=(lambda e: query.finds(e.name)) if query.search else None,
    )
    found = []
    for entry in entries:
        stuck = entry.stuck(now, stuck_after)
        if query.stuck is None or stuck == query.stuck:
            found.append((entry, stuck))
    return found


def list_page(informer: Listable, request: PageRequest) -> Page:
    """One page of matching rows in ``request.query.sort`` order, after its continue token.

    Walks the store's order for the sort (names, or an ordering kept for the column) from
    the continue point and stops after one page, so page one of 50k objects costs about
    as much as page one of 500, whatever the sort. The total still counts every match, but
    from index sets; only filters without an index (a set-based selector, search, stuck)
    look at each candidate. A filter that leaves few candidates sorts just those instead.
    """
    query, continue_token, stuck_after = request.query, request.continue_token, request.stuck_after
    store = informer.store
    now = time.time()
    ns_filter = namespace_filter(request.namespaces, informer.kind, query.namespace)
    if ns_filter == []:
        return Page(rows=[], total=0, continue_token=None)
    candidates = store.candidates(
        namespaces=ns_filter, selector=query.selector, states=query.states or None
    )
    if candidates is not None and not _walk_is_cheaper(len(candidates), len(store), query.limit):
        return _sorted_page(informer, request)
    residual = _residual_filter(query, stuck_after, now)
    column = query.sort.lstrip("-")
    # The name order serves name sorts, the search and the per-entry total; a page sorted
    # by anything else with none of those need not copy it.
    names: list[tuple[str, str]] = []
    if query.search:  # on the names alone: no entry lookups for the ones that fail
        # The apiserver only accepts lowercase names (DNS subdomains): no .lower() per name.
        names = store.names_containing(query.search.lower())
    elif column == "name" or residual is not None:
        names = store.names_in_order()
    allowed = candidates
    order: list[tuple[Any, ...]]
    if column == "name":
        order = names
    else:
        kept = store.ordered(*_sort_key(column, informer.kind))
        if kept is None:  # the store keeps no order for this sort now: sort the matches
            return _sorted_page(informer, request)
        order = kept
        if query.search:  # the order holds every object: keep the searched names' keys
            found = {key for _, key in names}
            allowed = found if candidates is None else found & candidates

    def accept(key: str) -> Entry | None:
        if allowed is not None and key not in allowed:
            return None
        entry = store.get(key)
        return entry if entry is not None and (residual is None or residual(entry)) else None

    if residual is not None:
        total = sum(1 for _, key in names if accept(key) is not None)
    elif not query.search:
        total = len(store) if candidates is None else len(candidates)
    else:
        total = len(names) if candidates is None else sum(1 for _, k in names if k in candidates)
    descending = query.sort.startswith("-")
    if continue_token:
        after = _resume_item(_decode_token(continue_token, query, informer.kind.key), column)
        # keyset: resume strictly after the last item served, whatever changed since
        try:
            order = (
                order[: bisect_left(order, after)]
                if descending
                else order[bisect_right(order, after) :]
            )
        except TypeError:  # a token whose values do not compare with this order's
            raise QueryError("continue", "malformed token") from None
    ordered = reversed(order) if descending else iter(order)
    chosen: list[tuple[tuple[Any, ...], Entry]] = []
    for item in ordered:
        entry = accept(item[-1])
        if entry is None:
            continue
        chosen.append((item, entry))
        if len(chosen) > query.limit:
            break
    more = len(chosen) > query.limit
    chosen = chosen[: query.limit]
    columns = informer.kind.columns
    rows = [
        Row(entry=e, columns=cells(e, columns), stuck=e.stuck(now, stuck_after)) for _, e in chosen
    ]
    token = None
    if more:
        last_item, last = chosen[-1]
        # a token holds what _sorted_page's sort key gives: either path can resume it
        served = sort_item(_entry_key("name"), last) if column == "name" else last_item
        token = _encode_token(served, query, informer.kind.key)
    return Page(rows=rows, total=total, continue_token=token)


def _resume_item(last: tuple[Any, ...], column: str) -> tuple[Any, ...]:
    """The order item a continue token's last sort key stands for.

    Tokens carry the item ``sort_item`` makes of ``_sort_key``, whichever path served
    the page; the name order holds ``(name, key)`` pairs instead of ``(0, (1, name), key)``.
    """
    if column != "name":
        return last
    try:
        _, (_, after_name), after_key = last
    except (TypeError, ValueError):
        raise QueryError("continue", "malformed token") from None
    return (str(after_name), str(after_key))


def _sorted_page(informer: Listable, request: PageRequest) -> Page:
    """``list_page`` for a selective filter: sort the few matches, select one page.

    Rows are only built for the page: the other matches need just their sort key.
    """
    query, continue_token = request.query, request.continue_token
    matches = _matching(
        informer,
        query,
        namespaces=request.namespaces,
        stuck_after=request.stuck_after,
        now=time.time(),
    )
    column = query.sort.lstrip("-")
    _, key = _sort_key(column, informer.kind)
    keyed = [(sort_item(key, e), e, stuck) for e, stuck in matches]
    descending = query.sort.startswith("-")
    if continue_token:
        last = _decode_token(continue_token, query, informer.kind.key)
        # keyset: resume strictly after the last key served, whatever changed since
        try:
            keyed = [k for k in keyed if (k[0] < last if descending else k[0] > last)]
        except TypeError:
            raise QueryError("continue", "malformed token") from None
    # Only one page is needed: a partial selection instead of sorting every match.
    pick = heapq.nlargest if descending else heapq.nsmallest
    chosen = pick(query.limit + 1, keyed, key=itemgetter(0))
    more = len(chosen) > query.limit
    chosen = chosen[: query.limit]
    columns = informer.kind.columns
    page = [Row(entry=e, columns=cells(e, columns), stuck=s) for _, e, s in chosen]
    token = _encode_token(chosen[-1][0], query, informer.kind.key) if more else None
    return Page(rows=page, total=len(matches), continue_token=token)


def _walk_is_cheaper(candidates: int, store: int, limit: int) -> bool:
    """Walking the name order until a page is full visits about ``limit * store /
    candidates`` names; sorting the candidates costs about ``candidates`` steps, each ~16x
    dearer (an entry lookup, a stuck check, a key). So walk unless the filter leaves fewer
    than ~sqrt(limit * store / 16) candidates (about 560 of 50k for a page of 100)."""
    return candidates * candidates * 16 > (limit + 1) * store


def _residual_filter(
    query: ListQuery, stuck_after: float, now: float
) -> Callable[[Entry], bool] | None:
    """What neither the indexes nor the name search answer, as a per-entry test."""
    tests: list[Callable[[Entry], bool]] = []
    selector = query.selector
    if selector is not None and not selector.indexable:
        tests.append(lambda e: selector.matches(e.labels))
    if query.stuck is not None:
        wanted = query.stuck
        tests.append(lambda e: e.stuck(now, stuck_after) == wanted)
    if not tests:
        return None
    return lambda e: all(test(e) for test in tests)


def _encode_token(last: tuple[Any, ...], query: ListQuery, scope: str) -> str:
    return _TOKENS.seal(_jsonable(last), bound_to=query.fingerprint(scope))


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def _tupled(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tupled(v) for v in value)
    return value


def _decode_token(token: str, query: ListQuery, scope: str) -> tuple[Any, ...]:
    try:
        last = _tupled(_TOKENS.open(token, bound_to=query.fingerprint(scope)))
    except BadToken as exc:
        raise QueryError("continue", str(exc)) from exc
    if not isinstance(last, tuple):
        raise QueryError("continue", "malformed token")
    return last
