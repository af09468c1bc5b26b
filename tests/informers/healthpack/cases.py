"""Reading the pack's test cases and CRD manifests, with no I/O beyond the files here.

Why a module of its own: both the in-process check (every pack file parses, every rule has
a case) and the apiserver harness need the same view of ``cases/*.yaml`` and ``crds/``;
keeping it here means one loader and one place that says what a case file may contain.

A case file (see docs in /work/notes/healthrules-spec.md and ``test_pack_cases.py``)::

    project: Argo CD
    docs: [https://...]
    crds: [argo-cd/application-crd.yaml]   # under crds/; only these are installed
    cases:
      - name: degraded application
        object: {apiVersion: ..., kind: ..., metadata: {name: ...}, spec: {...}, status: {...}}
        update: {spec: {...}}               # optional merge patch after create: generation 2
        expect: {state: Failed, reason: Degraded, rule: argo-cd/Application, message: "..."}

``expect.message`` is optional and checked as a substring of the engine's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
CRDS_DIR = HERE / "crds"
PACK_DIR = HERE.parents[2] / "informers" / "healthrules" / "pack"


@dataclass(frozen=True)
class Case:
    """One object with a status in a documented shape, and the state the pack must give it."""

    file: str  # the case file's stem, e.g. "argo-cd"
    name: str
    object: dict[str, Any]
    expect: dict[str, Any]
    update: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.file}: {self.name}"

    @property
    def group(self) -> str:
        api_version = str(self.object["apiVersion"])
        return api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return str(self.object["apiVersion"]).rpartition("/")[2]

    @property
    def kind(self) -> str:
        return str(self.object["kind"])


@dataclass(frozen=True)
class CaseFile:
    stem: str
    project: str
    docs: tuple[str, ...]
    crds: tuple[str, ...]
    cases: tuple[Case, ...]


@cache
def case_files() -> tuple[CaseFile, ...]:
    return tuple(_load_case_file(path) for path in sorted(CASES_DIR.glob("*.yaml")))


def all_cases() -> list[Case]:
    return [case for f in case_files() for case in f.cases]


def _load_case_file(path: Path) -> CaseFile:
    doc = yaml.safe_load(path.read_text())
    stem = path.stem
    cases = tuple(
        Case(
            file=stem,
            name=str(c["name"]),
            object=c["object"],
            expect=c["expect"],
            update=c.get("update"),
        )
        for c in doc.get("cases") or ()
    )
    return CaseFile(
        stem=stem,
        project=str(doc["project"]),
        docs=tuple(doc.get("docs") or ()),
        crds=tuple(doc.get("crds") or ()),
        cases=cases,
    )


@cache
def crd_documents(relpath: str) -> tuple[dict[str, Any], ...]:
    """The CustomResourceDefinitions in one manifest file under ``crds/``."""
    # The C loader: published CRDs run to 20k lines, and the pure-Python one takes seconds.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = yaml.load_all((CRDS_DIR / relpath).read_text(), Loader=loader)
    return tuple(d for d in docs if d and d.get("kind") == "CustomResourceDefinition")


def crds_of(files: list[CaseFile] | tuple[CaseFile, ...]) -> dict[str, dict[str, Any]]:
    """CRD name -> manifest, for every CRD file the given case files list."""
    return {
        crd["metadata"]["name"]: crd for f in files for rel in f.crds for crd in crd_documents(rel)
    }


def plane_groups(files: tuple[CaseFile, ...]) -> list[list[CaseFile]]:
    """Split case files into groups whose CRDs can share one apiserver.

    Two files clash when they install the same CRD name from different manifests (e.g. the
    Cluster API CRDs of a v1beta1-only release and of a v1beta2 release): such files need
    separate control planes. Everything else shares the first one.
    """
    groups: list[tuple[list[CaseFile], dict[str, str]]] = []
    for f in files:
        mine = {crd["metadata"]["name"]: rel for rel in f.crds for crd in crd_documents(rel)}
        for members, owners in groups:
            if all(owners.get(name, rel) == rel for name, rel in mine.items()):
                members.append(f)
                owners.update(mine)
                break
        else:
            groups.append(([f], dict(mine)))
    return [members for members, _ in groups]


def pack_files() -> list[Path]:
    return sorted(PACK_DIR.glob("*.yaml"))
