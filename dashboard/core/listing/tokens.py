"""Continue tokens: where the last page ended, signed and bound to the query that issued it.

Why one codec: three lists hand out tokens — the cached lists (pages, the live list and
``/resources/...``), the history's keyset pages (revisions, events, the timeline) and the
notifications list — and each wrote its own signing, binding and error handling, so a
guard (refuse another query's token, cap what is verified, catch every decoding error)
fixed in one was missing in another. A token is refused when it was not signed by this
server (forged, corrupt, or from before a key change) or when it belongs to another
query; each kind of list keeps its own salt, so a token of one never opens another.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core import signing

#: longer tokens are cut before their signature is checked (and then fail it)
MAX_TOKEN = 4096


class BadToken(ValueError):
    """A token this server did not issue for this query; ``str()`` says which."""


def _fingerprint(bound_to: str) -> str:
    return hashlib.sha256(bound_to.encode()).hexdigest()[:16]


class TokenCodec:
    """Seals a position (any JSON value) for one query, and opens only that query's."""

    def __init__(self, salt: str) -> None:
        self._signer = signing.Signer(salt=salt)

    def seal(self, last: Any, *, bound_to: str) -> str:
        """A token for ``last``, valid only for the query described by ``bound_to``."""
        return self._signer.sign_object({"q": _fingerprint(bound_to), "k": last}, compress=True)

    def open(self, token: str, *, bound_to: str) -> Any:
        """The position sealed in ``token``; BadToken unless issued here for ``bound_to``.

        The caller still checks the position's shape: a token is only as trusted as the
        code that sealed it, and the shape of positions may change between versions.
        """
        try:
            data = self._signer.unsign_object(token[:MAX_TOKEN])
        except (signing.BadSignature, ValueError, TypeError) as exc:
            raise BadToken("not a continue token issued by this server") from exc
        if not isinstance(data, dict) or data.get("q") != _fingerprint(bound_to):
            raise BadToken("this token belongs to a different query")
        return data.get("k")
