"""Continue tokens are signed and bound to their query: no forging, no reuse elsewhere.

Why: a token holds where the last page ended (a sort value and a key). Accepted for
another query, kind or object, it would resume the wrong list at an arbitrary place
(silently skipping or repeating rows); forged, it would let a client pick where the
server starts. Three lists keep tokens, all through ``core.listing.tokens``: the cache's
(``core.listing.query``), the history's keyset pages (``core.listing.keyset``) and the
notifications.
"""

from __future__ import annotations

import random

import pytest
from django.core import signing

from dashboard.core.listing import keyset as pages
from dashboard.core.listing.query import PageRequest, QueryError, list_page, parse_list_query
from dashboard.core.listing.tokens import BadToken, TokenCodec
from dashboard.notify import present
from informers.kinds import KindInfo
from informers.store import Store
from tests.dashboard.test_query_pages import KIND, fake_informer, thing

OTHER_KIND = KindInfo("q.crscope.dev", "v1", "Other", "others", namespaced=True)


@pytest.fixture
def store() -> Store:
    rng = random.Random(5)
    store = Store()
    for i in range(60):
        store.put(thing(rng, i))
    return store


def _first_token(store: Store, params: dict[str, str]) -> str:
    query = parse_list_query({k: [v] for k, v in {**params, "limit": "10"}.items()})
    page = list_page(
        fake_informer(KIND, store),
        PageRequest(query, namespaces=None, stuck_after=600),
    )
    assert page.continue_token
    return page.continue_token


def _resume(store: Store, kind: KindInfo, params: dict[str, str], token: str) -> None:
    query = parse_list_query({k: [v] for k, v in {**params, "limit": "10"}.items()})
    request = PageRequest(query, namespaces=None, stuck_after=600, continue_token=token)
    list_page(fake_informer(kind, store), request)


def test_a_token_resumes_its_own_query(store: Store) -> None:
    token = _first_token(store, {"sort": "-name"})
    _resume(store, KIND, {"sort": "-name"}, token)


@pytest.mark.parametrize(
    "other",
    [
        {"sort": "name"},
        {"sort": "-name", "namespace": "ns-1"},
        {"sort": "-name", "state": "Failed"},
        {"sort": "-name", "search": "a"},
    ],
    ids=["sort", "namespace", "state", "search"],
)
def test_a_token_is_refused_for_another_query(store: Store, other: dict[str, str]) -> None:
    token = _first_token(store, {"sort": "-name"})
    with pytest.raises(QueryError, match="different query") as err:
        _resume(store, KIND, other, token)
    assert err.value.param == "continue"


def test_a_token_is_refused_for_another_kind(store: Store) -> None:
    token = _first_token(store, {})
    with pytest.raises(QueryError, match="different query"):
        _resume(store, OTHER_KIND, {}, token)


def test_a_forged_or_tampered_token_is_refused(store: Store) -> None:
    token = _first_token(store, {})
    forged = signing.Signer(salt="crscope.continue", key="not-our-secret").sign_object(
        signing.Signer(salt="crscope.continue").unsign_object(token), compress=True
    )
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "junk"):
        with pytest.raises(QueryError, match="not a continue token"):
            _resume(store, KIND, {}, bad)


def test_history_tokens_are_bound_to_their_object() -> None:
    token = pages._encode([12.5, 7], "history|demo/widgets|ns/a")
    assert pages._decode(token, "history|demo/widgets|ns/a") == (12.5, 7)
    with pytest.raises(QueryError, match="different query"):
        pages._decode(token, "history|demo/widgets|ns/b")
    with pytest.raises(QueryError, match="not a continue token"):
        pages._decode(token + "x", "history|demo/widgets|ns/a")


def test_notification_tokens_are_bound_to_their_status_filter() -> None:
    token = present._TOKENS.seal([12.5, 7], bound_to=present._bound_to("failed"))
    assert present._decode(token, "failed") == (12.5, 7)
    with pytest.raises(present.BadContinue, match="different query"):
        present._decode(token, None)
    with pytest.raises(present.BadContinue, match="not a continue token"):
        present._decode("forged", "failed")


def test_a_token_of_one_list_never_opens_another() -> None:
    """Each list has its own salt: the same position and binding still do not carry over."""
    token = TokenCodec("crscope.continue").seal([1, "a"], bound_to="same")
    assert TokenCodec("crscope.continue").open(token, bound_to="same") == [1, "a"]
    with pytest.raises(BadToken, match="not a continue token"):
        TokenCodec("crscope.api.pages").open(token, bound_to="same")
