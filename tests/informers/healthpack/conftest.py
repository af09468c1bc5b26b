"""The health-pack tests' fixture: one apiserver per project's CRDs
(``tests/informers/healthpack/planes.py``)."""

from __future__ import annotations

from tests.informers.healthpack.planes import pack_planes  # noqa: F401
