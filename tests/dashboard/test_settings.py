"""dashboard/settings.py reads each documented setting, with the README's defaults.

Why: the dashboard's modules read ``django.conf.settings`` and never the environment
(tests/test_config_reads.py), so this module is where a name, a default or the handling
of a bad value can go wrong. Each test evaluates the settings file afresh under its own
environment (``runpy``), leaving the running Django settings alone.
"""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "dashboard" / "settings.py"


def evaluated(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in list(os.environ):
        if name.startswith("CRSCOPE_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def documented_defaults() -> dict[str, str]:
    """README's configuration table: setting name -> its default as written there
    ("" for "—"); rows whose default is prose ("all", "from kubeconfig") are left out."""
    found: dict[str, str] = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`CRSCOPE_"):
            continue
        names = re.findall(r"`(CRSCOPE_\w+)`", cells[0])
        defaults = re.findall(r"`([^`]*)`", cells[1])
        if cells[1] == "—":
            defaults = [""] * len(names)
        if len(defaults) == len(names):
            found.update(zip(names, defaults, strict=True))
    return found


def same(documented: str, value: object) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(documented) == float(value)
    if isinstance(value, list):
        return documented == ",".join(value)
    return documented == value


def test_readme_table_is_read() -> None:
    assert documented_defaults()["CRSCOPE_WS_MAX_PER_USER"] == "20"
    assert documented_defaults()["CRSCOPE_METRICS_TOKEN"] == ""


def test_defaults_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    values = evaluated(monkeypatch)
    checked = {
        name: (documented, values[name])
        for name, documented in documented_defaults().items()
        if name in values
    }
    assert len(checked) >= 25, sorted(checked)
    wrong = {name: pair for name, pair in checked.items() if not same(*pair)}
    assert wrong == {}


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("CRSCOPE_WS_MAX_PER_USER", "3", 3),
        ("CRSCOPE_WS_MAX_PER_USER", "0", 1),
        ("CRSCOPE_WS_MAX_PER_USER", "many", 20),
        ("CRSCOPE_AUTHZ_TTL", "2.5", 2.5),
        ("CRSCOPE_AUTHZ_TTL", "-3", 0.0),
        ("CRSCOPE_AUTHZ_TTL", "soon", 10.0),
        ("CRSCOPE_TOKEN_CACHE_SECONDS", "0", 0.0),
        ("CRSCOPE_API_RATE", "0", 0.0),
        ("CRSCOPE_API_RATE", "fast", 50.0),
        ("CRSCOPE_RULE_TEST_BURST", "", 10.0),
        ("CRSCOPE_HTTP_THREADS", "0", 1),
        ("CRSCOPE_HTTP_THREADS", "many", 2),
        ("CRSCOPE_WATCH_MAX_PER_USER", "2.5", 2),
        ("CRSCOPE_WATCH_MAX_PER_USER", "0", 10),
        ("CRSCOPE_WATCH_BOOKMARK_SECONDS", "-1", 5),
        ("CRSCOPE_WATCH_MAX_SECONDS", "nan", 1800),
        ("CRSCOPE_REDACT_PATHS", " /spec/a , ,/spec/b ", ["/spec/a", "/spec/b"]),
        ("CRSCOPE_PROXY_USER_HEADER", "X-Auth-User", "X-Auth-User"),
        ("CRSCOPE_PUBLIC_URL", "https://crscope.example.com", "https://crscope.example.com"),
    ],
)
def test_values_and_bad_values(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: object
) -> None:
    assert evaluated(monkeypatch, **{name: raw})[name] == expected
