"""No module imports a conftest.

Why: a conftest is for pytest to load, once, for the tests under its directory. Imported
by a test as a library, it is a second module object (the fixtures it defines are
registered again under the importer), and a reader of the conftest cannot tell which of
its names are fixtures for pytest and which are an API for other tests. So fixtures and
the types they hand out (``Watched``, ``Grants``, ``Live``, ``Api``) live in plain modules;
a conftest only imports from them. import-linter cannot state this rule (its forbidden
contracts skip imports inside one root package), so this test parses every module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ("tests", "benchmarks", "devkit", "dashboard", "informers")


def conftest_imports(source: str) -> list[int]:
    """Line numbers of ``import x.conftest`` and ``from x.conftest import ...`` (relative
    ``from .conftest import`` too)."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module or ''}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if any(n == "conftest" or n.endswith(".conftest") for n in names):
            found.append(node.lineno)
    return found


def test_the_check_sees_each_form() -> None:
    assert conftest_imports("from tests.browser.conftest import Watched\n") == [1]
    assert conftest_imports("import tests.security.conftest as c\n") == [1]
    assert conftest_imports("from . import conftest\n") == [1]
    assert conftest_imports("from .conftest import Live\n") == [1]
    assert conftest_imports("from tests.browser.chromium import Watched\n") == []


def test_no_module_imports_a_conftest() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for tree in TREES
        for path in sorted((ROOT / tree).rglob("*.py"))
        for line in conftest_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
