"""Cheap checks on the shipped pack and its cases, with no apiserver.

Why: a pack file that does not parse would make the engine fall back to the generic rules
for a whole project, silently; a rule without a case is a rule nobody has checked against
its project's documented status shapes. Both are caught here in milliseconds.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePosixPath

import pytest

from informers.healthrules import parse_rules, shipped_rules
from tests.informers.healthpack.cases import (
    CRDS_DIR,
    all_cases,
    case_files,
    pack_files,
)


@pytest.mark.parametrize("path", pack_files(), ids=lambda p: p.name)
def test_pack_file_parses(path: Path) -> None:
    rules = parse_rules(path.read_text(), source=str(path))
    assert rules.rules, f"{path.name} has no rules"
    project = path.stem
    for rule in rules.rules:
        assert rule.name.startswith(f"{project}/"), f"{rule.name} is not named {project}/<Kind>"


def test_shipped_pack_is_every_pack_file() -> None:
    names = [r.name for r in shipped_rules().rules]
    from_files = [
        r.name for p in pack_files() for r in parse_rules(p.read_text(), source=str(p)).rules
    ]
    assert sorted(names) == sorted(from_files)
    assert len(set(names)) == len(names), "shipped rule names must be unique"


def test_every_shipped_rule_has_a_case() -> None:
    tested = {c.expect["rule"] for c in all_cases()}
    untested = [r.name for r in shipped_rules().rules if r.name not in tested]
    assert not untested, f"rules without a case in tests/informers/healthpack/cases/: {untested}"


def test_every_case_names_a_real_rule_and_a_five_state() -> None:
    shipped = {r.name for r in shipped_rules().rules}
    states = {"Current", "InProgress", "Failed", "Terminating", "Unknown"}
    for case in all_cases():
        rule = case.expect["rule"]
        assert rule in shipped or rule.startswith("generic/"), f"{case.id}: unknown rule {rule}"
        assert case.expect["state"] in states, case.id


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in all_cases()]
    assert len(set(ids)) == len(ids)


def _expand(pattern: str) -> list[str]:
    """``a_{x,y}.yaml`` -> ``a_x.yaml``, ``a_y.yaml`` (SOURCES.md lists files that way)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [e for alt in match.group(1).split(",") for e in _expand(head + alt + tail)]


def test_every_crd_file_is_listed_with_its_source() -> None:
    """Each manifest's row names its project directory and a path pattern matching it."""
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in (CRDS_DIR / "SOURCES.md").read_text().splitlines()
        if line.startswith("|")
    ]
    on_disk = sorted(p.relative_to(CRDS_DIR) for p in CRDS_DIR.rglob("*.yaml"))
    assert on_disk, "no CRD manifests"
    for rel in on_disk:
        listed = any(
            len(row) >= 5
            and row[0] == rel.parts[0]
            and row[4]  # a license
            and any(
                fnmatch.fnmatchcase(rel.name, PurePosixPath(p).name)
                for token in row[3].split(", ")
                if token.strip()
                for p in _expand(token.split()[0])  # a remark may follow the path
            )
            for row in rows
        )
        assert listed, f"crds/{rel} is not listed in crds/SOURCES.md"
    for f in case_files():
        for listed_file in f.crds:
            text = (CRDS_DIR / listed_file).read_text()
            assert "kind: CustomResourceDefinition" in text, f"{f.stem}: {listed_file} has no CRD"
