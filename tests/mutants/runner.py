"""Apply one mutant in a throwaway copy of the tree and run only the tests meant to catch it.

Why a copy: the working tree is shared (editors, other runs, a demo), so it is never
touched; a fresh copy per mutant also lets mutants run side by side. The copy is the files
git knows about plus untracked ones that are not ignored (so a test written a minute ago
counts), and runs with the project's own virtualenv, with the copy first on the path.

Why a compiled base: a pytest start that compiles the project from source costs about 3 s
more than one that finds bytecode, and a run has a hundred of them. So the tree is copied
once into a base and compiled there (``compileall``); each mutant copies the base, and
Python recompiles only the one file the mutant changed (its source no longer matches the
cached timestamp and size). Bytecode writing stays on in copies and the virtualenv, so
pytest's rewritten test modules are cached too.
"""

from __future__ import annotations

import compileall
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.mutants.catalog import ROOT, CatalogError, Mutant

PYTHON = ROOT / ".venv" / "bin" / "python"
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    """What happened to one mutant (or to the baseline, whose ``mutant`` is None)."""

    mutant: Mutant | None
    verdict: str  # killed | survived | timeout | error
    seconds: float
    detail: str
    log: Path

    @property
    def caught(self) -> bool:
        return self.verdict in ("killed", "timeout")


def tracked_files(root: Path = ROOT) -> list[str]:
    """The files to copy: git's view of ``root``, or every file when it is no checkout
    (a tree exported with ``git archive``, for example)."""
    if not (root / ".git").exists():
        skip = {".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git"}
        return sorted(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(root).parts)
        )
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted({p for p in listed.split("\0") if p})


def copy_tree(dest: Path, files: list[str], root: Path = ROOT) -> None:
    for rel in files:
        src = root / rel
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the working tree but still in the index
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        elif src.is_file():
            shutil.copy2(src, target)


def make_base(dest: Path, source: Path = ROOT) -> Path:
    """Copy ``source`` into ``dest`` once and compile it: what every mutant's copy starts
    from (see the module docstring)."""
    copy_tree(dest, tracked_files(source), source)
    compileall.compile_dir(dest, quiet=1, workers=0 if (os.cpu_count() or 1) > 1 else 1)
    return dest


def _env(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # copies are thrown away; caches are the point
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run_tests(
    copy: Path, tests: tuple[str, ...], log: Path, timeout: float, *, stop_first: bool = True
) -> tuple[int, str]:
    """Run ``tests`` in ``copy``; (exit code or -1 on timeout, first failing node id)."""
    first = ["-x"] if stop_first else []
    command = [str(PYTHON), "-m", "pytest", *first, "-q", "-p", "no:cacheprovider", *tests]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=copy,
            env=_env(copy),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the session holds the control plane and servers it began
            proc.wait()
            code = -1
    text = log.read_text(errors="replace")
    failed = _FAILED.search(text)
    return code, failed.group(1) if failed else ""


def _verdict(code: int) -> str:
    # pytest: 0 passed, 1 some test failed; 2-5 mean the run itself went wrong (a collection
    # error, a bad node id, nothing collected), which must be fixed, not counted as a kill.
    return {0: "survived", 1: "killed", -1: "timeout"}.get(code, "error")


def run_one(
    mutant: Mutant | None,
    *,
    tests: tuple[str, ...],
    logs: Path,
    timeout: float,
    base: Path,
) -> Outcome:
    """Copy ``base`` (from ``make_base``), apply ``mutant`` (None: the baseline, which runs
    every test rather than stopping at the first failure), run ``tests`` there."""
    name = mutant.id if mutant is not None else "baseline"
    log = logs / f"{name}.log"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"crscope-mutant-{name}-") as tmp:
        copy = Path(tmp) / "tree"
        shutil.copytree(base, copy, symlinks=True)
        if mutant is not None:
            target = copy / mutant.file
            try:
                target.write_text(mutant.apply(target.read_text()))
            except (CatalogError, OSError) as exc:  # the code moved during the run
                log.write_text(f"{exc}\n")
                return Outcome(mutant, "error", time.monotonic() - started, str(exc), log)
        code, failed = run_tests(copy, tests, log, timeout, stop_first=mutant is not None)
    verdict = _verdict(code)
    if mutant is None and verdict == "killed":
        verdict = "error"  # the unmutated tree must pass
    detail = failed or {"survived": "all its tests passed", "timeout": f"over {timeout:.0f}s"}.get(
        verdict, f"pytest exit {code}"
    )
    return Outcome(mutant, verdict, time.monotonic() - started, detail, log)
