"""A real local Kubernetes control plane (etcd + kube-apiserver) for tests, the demo and benchmarks.

Why it exists: the product's correctness claims (no missed events across 410s,
restarts and dead connections) only mean something against the real apiserver.
Both binaries are built from Go modules with the machine's Go toolchain and cached,
so only the first run pays for the build.

This is tooling, not runtime code: nothing under ``dashboard/`` or ``informers/``
imports it (an import-linter contract in ``pyproject.toml`` says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devkit.controlplane.build import BuildError, ensure_binaries
    from devkit.controlplane.cluster import ControlPlane

__all__ = ["BuildError", "ControlPlane", "ensure_binaries"]


def __getattr__(name: str) -> Any:
    """Import on first use, so that ``devkit.controlplane.preflight`` runs on a bare python3
    (``make demo`` runs it before the virtualenv exists; the cluster needs cryptography)."""
    if name in ("BuildError", "ensure_binaries"):
        from devkit.controlplane import build

        return getattr(build, name)
    if name == "ControlPlane":
        from devkit.controlplane.cluster import ControlPlane

        return ControlPlane
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
