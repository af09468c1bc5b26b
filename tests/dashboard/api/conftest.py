"""The REST API tests' fixtures: one dashboard server, a client, sample objects
(``tests/dashboard/api/client.py``, where tests import ``Api`` and ``Objects`` from)."""

from __future__ import annotations

from tests.dashboard.api.client import api, api_server, objects  # noqa: F401
