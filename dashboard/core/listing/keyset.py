"""Keyset pagination over history tables, with the same ``limit``/``continue`` as lists.

Why in core: the API and the UI's timeline both page history this way, and neither may
import the other.

Why keyset and not offsets: the history writer inserts rows while a client pages, and an
offset would then repeat or skip rows. A token holds the last (sort value, id) served,
signed and bound to the query it came from, so it can be neither forged nor reused for
another object. The sort values used here never change once a row is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from pydantic import BaseModel, ConfigDict, Field

from dashboard.core.listing.query import DEFAULT_LIMIT, MAX_LIMIT, QueryError
from dashboard.core.listing.tokens import BadToken, TokenCodec

#: The salt names the API module these tokens were first issued by; changing it would
#: invalidate tokens that clients hold.
_TOKENS = TokenCodec(salt="crscope.api.pages")
#: Continue tokens are signed base64url; anything else cannot be one.
TOKEN_PATTERN = r"^[A-Za-z0-9_.:-]*$"
_LIMIT = "Page size: default 100; values above 1000 are capped to 1000"


# ``limit`` and ``continue``, as the API documents them and the timeline reads them. (No
# docstring: it would become the schema's description and change the OpenAPI document.)
class PageParams(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    limit: int | None = Field(None, ge=1, description=_LIMIT)
    continue_: str | None = Field(
        None,
        alias="continue",
        max_length=2048,
        pattern=TOKEN_PATTERN,
        description="Token from the previous page",
    )


@dataclass(frozen=True)
class DbPage:
    rows: list[Any]
    continue_token: str | None
    total: int


def keyset_page(
    queryset: QuerySet[Any], *, field: str, params: PageParams, bound_to: str
) -> DbPage:
    """Rows ordered by ``field`` then id, both descending; ``bound_to`` names the query."""
    limit = min(params.limit or DEFAULT_LIMIT, MAX_LIMIT)
    total = queryset.count()
    if params.continue_:
        value, last_id = _decode(params.continue_, bound_to)
        queryset = queryset.filter(
            Q(**{f"{field}__lt": value}) | Q(**{field: value, "id__lt": last_id})
        )
    rows: list[Model] = list(queryset.order_by(f"-{field}", "-id")[: limit + 1])
    token = None
    if len(rows) > limit:
        rows = rows[:limit]
        token = _encode([getattr(rows[-1], field), rows[-1].pk], bound_to)
    return DbPage(rows=rows, continue_token=token, total=total)


def _encode(last: list[Any], bound_to: str) -> str:
    return _TOKENS.seal(last, bound_to=bound_to)


def _decode(token: str, bound_to: str) -> tuple[float, int]:
    try:
        last = _TOKENS.open(token, bound_to=bound_to)
    except BadToken as exc:
        raise QueryError("continue", str(exc)) from exc
    if (
        not isinstance(last, list)
        or len(last) != 2
        or not isinstance(last[0], (int, float))
        or not isinstance(last[1], int)
    ):
        raise QueryError("continue", "malformed token")
    return last[0], last[1]
