"""The browser suite's fixtures: Chromium pages (``tests/browser/chromium.py``) and the
per-user authorization fixtures (``tests/security/tokenmode.py``).

Why only imports here: a conftest is for pytest to load, not for tests to import; the
fixtures and the types they hand out live in plain modules that tests import by name.
"""

from __future__ import annotations

from tests.browser.chromium import browser, playwright, watched  # noqa: F401
from tests.security.tokenmode import grants, token_dashboard  # noqa: F401
