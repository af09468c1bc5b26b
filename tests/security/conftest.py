"""The security suite's fixtures: a token-mode dashboard and RBAC for one namespace
(``tests/security/tokenmode.py``, where tests import ``Grants`` and ``Http`` from)."""

from __future__ import annotations

from tests.security.tokenmode import grants, http, token_dashboard  # noqa: F401
