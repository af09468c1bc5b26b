"""The mutant catalog: one YAML file per area in this directory, read and checked here.

Why a hand-written list rather than generated mutants: the guards worth mutating are few
and specific (an authorization filter, an ``|escape``, an Origin check), and a person who
writes a guard knows the one bug it exists to stop. Each entry names that bug exactly
(an original snippet that must occur once in its file) and the tests that must catch it.
See README.md in this directory for the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIELDS = ("id", "file", "original", "replacement", "tests", "why")


class CatalogError(ValueError):
    """A catalog entry is malformed, or its original snippet no longer matches exactly once."""


@dataclass(frozen=True)
class Mutant:
    id: str
    area: str
    file: str
    original: str
    replacement: str
    tests: tuple[str, ...]
    why: str

    def apply(self, text: str) -> str:
        """``text`` with the one occurrence of ``original`` replaced; raises if not exactly one."""
        found = text.count(self.original)
        if found != 1:
            raise CatalogError(
                f"{self.id}: the original snippet occurs {found} times in {self.file} "
                "(it must occur exactly once; the code moved: update the mutant)"
            )
        return text.replace(self.original, self.replacement, 1)


def _entry(area: str, raw: Any, index: int) -> Mutant:
    where = f"{area}.yaml entry {index + 1}"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping with {', '.join(FIELDS)}")
    missing = [f for f in FIELDS if f not in raw]
    unknown = sorted(set(raw) - set(FIELDS))
    if missing or unknown:
        raise CatalogError(f"{where}: missing {missing}, unknown {unknown}")
    tests = raw["tests"]
    if isinstance(tests, str):
        tests = [tests]
    if not tests or not all(isinstance(t, str) and t for t in tests):
        raise CatalogError(f"{where}: tests must be a non-empty list of pytest node ids")
    for key in ("id", "file", "original", "why"):
        if not isinstance(raw[key], str) or not raw[key]:
            raise CatalogError(f"{where}: {key} must be a non-empty string")
    if not isinstance(raw["replacement"], str) or raw["replacement"] == raw["original"]:
        raise CatalogError(f"{where}: replacement must be a string that differs from original")
    return Mutant(
        id=raw["id"],
        area=area,
        file=raw["file"],
        original=raw["original"],
        replacement=raw["replacement"],
        tests=tuple(tests),
        why=" ".join(raw["why"].split()),
    )


def load(directory: Path = HERE) -> list[Mutant]:
    """Every mutant of every ``*.yaml`` in ``directory``, in file then entry order."""
    mutants: list[Mutant] = []
    for path in sorted(directory.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text()) or []
        if not isinstance(raw, list):
            raise CatalogError(f"{path.name}: expected a list of mutants")
        mutants.extend(_entry(path.stem, item, i) for i, item in enumerate(raw))
    ids = [m.id for m in mutants]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"duplicate mutant ids: {', '.join(duplicates)}")
    return mutants


def check(mutants: list[Mutant], root: Path = ROOT) -> list[str]:
    """Problems with the catalog against the tree at ``root`` (empty when all is well):
    a missing file, an original that does not occur exactly once, a test file that is gone."""
    problems = []
    for mutant in mutants:
        path = root / mutant.file
        if not path.is_file():
            problems.append(f"{mutant.id}: no file {mutant.file}")
            continue
        try:
            mutant.apply(path.read_text())
        except CatalogError as exc:
            problems.append(str(exc))
        for node in mutant.tests:
            test_file = node.split("::", 1)[0]
            if not (root / test_file).is_file():
                problems.append(f"{mutant.id}: no test file {test_file}")
    return problems
