"""The deployment tests' fixtures: the chart rendered per variant
(``tests/deploy/rendered.py``, where tests import ``one`` and ``VARIANTS`` from)."""

from __future__ import annotations

from tests.deploy.rendered import manifests, rendered  # noqa: F401
