"""Every template name the dashboard renders, includes or extends resolves to a file.

Why: a page's templates live beside its view, model and feed, and are named by their path
under ``dashboard/`` (settings.TEMPLATES). A name left behind after a move renders nothing
until a user opens the page that asks for it; this finds it without opening any page.
Names are read from the source as written, so a template that only a rarely taken branch
renders (an error fragment, a past list) is checked like the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = ROOT / "dashboard"
NAME = re.compile(r"""["']([a-z0-9_/]+\.html)["']""")


def referenced() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    sources = [
        *DASHBOARD.rglob("*.py"),
        *DASHBOARD.rglob("*.html"),
        *(ROOT / "templates").rglob("*.html"),
    ]
    for path in sources:
        if "static" in path.relative_to(ROOT).parts:
            continue
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


NAMES = referenced()


def test_the_scan_finds_the_pages_templates() -> None:
    # The scan itself must see names of every kind: page, fragment, shared frame, notify.
    assert {
        "ui/pages/listing/page.html",
        "ui/pages/listing/_row.html",
        "ui/pages/base.html",
        "notify/page.html",
    } <= set(NAMES)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_template_name_resolves(name: str) -> None:
    found = engines["django"].engine.get_template(name)  # type: ignore[attr-defined]
    assert found.origin.name.endswith(name), NAMES[name]


def test_page_templates_sit_beside_their_page() -> None:
    # A UI template named "ui/pages/<page>/x.html" is the file of that path: the name
    # says where it is, and templates/ keeps only the status pages Django looks up.
    for name in NAMES:
        if name.startswith("ui/"):
            assert (DASHBOARD / name).is_file(), name
    assert sorted(p.name for p in (ROOT / "templates").rglob("*.html")) == [
        "400.html",
        "403.html",
        "404.html",
        "404_bare.html",
        "429.html",
        "500.html",
        "503.html",
        "bare.html",
    ]
