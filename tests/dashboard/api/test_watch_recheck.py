"""A watch re-check that cannot verify the caller right now keeps the stream going.

Why: a TokenReview the apiserver could not answer, or a session store that failed to read,
says nothing about the caller's access; ending the stream with a final 401 would turn a
brief outage into a sign-out. The stream keeps its previous scope and asks again at the
next re-check. In-process, with the reviewer and the access decision replaced.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.db import DatabaseError

from dashboard.api import watch
from dashboard.api.scope import KindScope
from dashboard.api.watch_filter import WatchFilter
from dashboard.core.auth import access, identity
from dashboard.core.auth.viewer import Viewer
from informers import Engine, Informer, KindInfo

KIND = KindInfo(group="example.com", version="v1", kind="Part", plural="parts", namespaced=True)
ANN = Viewer(username="ann", uid="u-1", token="ann-token")


class _Informer:
    kind = KIND


@pytest.mark.parametrize(
    "failure",
    [identity.VerificationUnavailable("no apiserver"), DatabaseError("no session store")],
    ids=["token-review-unavailable", "database-error"],
)
async def test_a_failed_verification_keeps_the_stream_and_tries_again(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    failures = [failure]

    def review(token: str, *, client: str | None = None) -> Viewer:
        if failures:
            raise failures.pop()
        return ANN

    monkeypatch.setattr(identity.token_reviewer, "review", review)
    monkeypatch.setattr(access, "visible_namespaces", lambda *args, **kwargs: {"team-a"})
    kind_scope = KindScope(cast(Engine, None), ANN, cast(Informer, _Informer()), {"team-a"})
    flt = WatchFilter.build(kind_scope, namespace=None, selector=None)
    lines: Any = watch._Lines(kind_scope, flt)

    assert await watch._recheck(lines, watch._Limits()) == (b"", None)  # no final line
    assert failures == []  # the failing check did run
    assert lines.scope is kind_scope and lines.flt == flt  # the previous scope is kept
    assert await watch._recheck(lines, watch._Limits()) == (b"", None)  # and asked again
