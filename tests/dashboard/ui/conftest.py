"""The live UI's fixture: a real engine in this process (``tests/dashboard/ui/live.py``,
where tests import ``Live`` from)."""

from __future__ import annotations

from tests.dashboard.ui.live import live_engine  # noqa: F401
