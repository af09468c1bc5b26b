"""Only the settings modules read the environment.

Why: a setting read where it is used (often at import time) cannot be seen in one place,
cannot be overridden by a test without reloading modules, and drifts from the README's
table. So every ``CRSCOPE_*`` value (and ``KUBECONFIG``, ``DATABASE_URL``, ...) is read in
a settings module and passed in: ``informers/settings.py`` (``EngineSettings.from_env``),
``informers/config.py`` (the cluster connection) and ``dashboard/settings.py`` (Django's,
read through ``django.conf.settings``). This test parses every module of the product and
fails on any other use of ``os.environ`` or ``os.getenv``, so the rule cannot regress.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("informers", "dashboard")

#: Module -> why it may touch the environment. Keep each reason true.
ALLOWED: dict[str, str] = {
    "informers/settings.py": "the engine's settings: EngineSettings.from_env",
    "informers/config.py": "the engine's cluster connection: KUBECONFIG, in-cluster",
    "dashboard/settings.py": "Django's settings module, the dashboard's only reader",
    "dashboard/asgi.py": "Django's entry-point convention: DJANGO_SETTINGS_MODULE",
    "dashboard/notify/destinations.py": (
        "secrets the rules file names ({env: NAME}), resolved at send time; they are the"
        " operator's values, not crscope settings"
    ),
}

_ENV_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(source: str) -> list[int]:
    """Line numbers where ``source`` touches the process environment through ``os``:
    ``os.environ`` and ``os.getenv`` (under any alias of ``os``), or those names
    imported from ``os``."""
    tree = ast.parse(source)
    aliases = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update(a.asname or a.name for a in node.names if a.name == "os")
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            if any(a.name in _ENV_NAMES for a in node.names):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in _ENV_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            lines.append(node.lineno)
    return sorted(lines)


def product_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import os\nvalue = os.environ.get('CRSCOPE_X', '')\n", [2]),
        ("import os\nvalue = os.environ['CRSCOPE_X']\n", [2]),
        ("import os\nvalue = os.getenv('CRSCOPE_X')\n", [2]),
        ("import os\nif 'X' in os.environ:\n    pass\n", [2]),
        ("import os as system\nvalue = system.environ.get('X')\n", [2]),
        ("from os import environ\nvalue = environ.get('X')\n", [1]),
        ("from os import getenv as g\nvalue = g('X')\n", [1]),
        ("import os\npath = os.path.join('a', 'environ')\n", []),
        ("from django.conf import settings\nvalue = settings.CRSCOPE_X\n", []),
    ],
)
def test_the_detector_sees_every_spelling(source: str, found: list[int]) -> None:
    assert environment_reads(source) == found


def test_only_the_settings_modules_read_the_environment() -> None:
    modules = product_modules()
    assert len(modules) > 50, f"found only {len(modules)} modules under {PACKAGES}"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in modules
        if path.relative_to(ROOT).as_posix() not in ALLOWED
        for line in environment_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], (
        "read configuration in informers/settings.py or dashboard/settings.py and pass it"
        " in (django.conf.settings in the dashboard): " + ", ".join(offenders)
    )


def test_every_allowed_module_still_needs_its_place() -> None:
    """An entry whose module is gone or no longer reads the environment should leave the
    list, so the list stays the short truth."""
    stale = [
        name
        for name in ALLOWED
        if not (ROOT / name).exists()
        or not environment_reads((ROOT / name).read_text(encoding="utf-8"))
    ]
    assert stale == []
