"""Journey fixtures: what an operator does, end to end, in real Chromium against the real apiserver.

A journey asserts what the person sees (the summary text, the rows, the badge), never internal
state. The browser and per-user fixtures are the browser suite's own, shared here.
"""

from __future__ import annotations

from tests.browser.chromium import browser, playwright, watched  # noqa: F401
from tests.security.tokenmode import grants, token_dashboard  # noqa: F401
