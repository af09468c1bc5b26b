"""What a watched kind is: the identity and display facts taken from its CRD.

Why a module of its own: the registry builds these from CRDs, the reflector needs the
URL path, and the dashboard needs printer columns and scope; none of them should parse
CRDs themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    name: str
    json_path: str
    type: str = "string"
    priority: int = 0
    description: str = ""


@dataclass(frozen=True, slots=True)
class KindInfo:
    """A served custom resource kind at the version the engine watches."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    columns: tuple[PrinterColumn, ...] = field(default_factory=tuple)
    versions: tuple[str, ...] = field(default_factory=tuple)
    crd_uid: str = ""

    @property
    def key(self) -> str:
        """``group/plural``: the stable identity used in URLs, the API and history."""
        return f"{self.group}/{self.plural}"

    @property
    def scope(self) -> str:
        return "Namespaced" if self.namespaced else "Cluster"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def collection_path(self, namespace: str | None = None) -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            return f"{prefix}/namespaces/{namespace}/{self.plural}"
        return f"{prefix}/{self.plural}"


def _version_entry(crd: Mapping[str, Any], preferred: str | None) -> Mapping[str, Any] | None:
    versions = [v for v in crd.get("spec", {}).get("versions", []) if isinstance(v, Mapping)]
    served = [v for v in versions if v.get("served")]
    if preferred:
        for v in served:
            if v.get("name") == preferred:
                return v
    for v in served:
        if v.get("storage"):
            return v
    return served[0] if served else None


def is_established(crd: Mapping[str, Any]) -> bool:
    conditions = crd.get("status", {}).get("conditions") or []
    return any(
        isinstance(c, Mapping) and c.get("type") == "Established" and c.get("status") == "True"
        for c in conditions
    )


def kind_from_crd(
    crd: Mapping[str, Any], *, preferred_version: str | None = None
) -> KindInfo | None:
    """Build the KindInfo for a CRD, at the storage version unless another is preferred.

    Returns None for a CRD that serves nothing yet; the registry waits for the next event.
    """
    spec = crd.get("spec")
    if not isinstance(spec, Mapping):
        return None
    entry = _version_entry(crd, preferred_version)
    names = spec.get("names") or {}
    if entry is None or not names.get("plural") or not names.get("kind"):
        return None
    columns = tuple(
        PrinterColumn(
            name=str(c.get("name", "")),
            json_path=str(c.get("jsonPath", "")),
            type=str(c.get("type", "string")),
            priority=int(c.get("priority", 0) or 0),
            description=str(c.get("description", "")),
        )
        for c in entry.get("additionalPrinterColumns") or []
        if isinstance(c, Mapping) and c.get("name") and c.get("jsonPath")
    )
    return KindInfo(
        group=str(spec.get("group", "")),
        version=str(entry.get("name")),
        kind=str(names["kind"]),
        plural=str(names["plural"]),
        namespaced=spec.get("scope") != "Cluster",
        columns=columns,
        versions=tuple(
            str(v.get("name"))
            for v in spec.get("versions", [])
            if isinstance(v, Mapping) and v.get("served")
        ),
        crd_uid=str(crd.get("metadata", {}).get("uid", "")),
    )
