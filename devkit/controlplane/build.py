"""Build and cache kube-apiserver, etcd, kubectl and helm from Go modules.

Why: nothing prebuilt can be downloaded on these machines, but the Go module proxy is
reachable. Each binary is keyed by its version (and its link flags) under
``~/.cache/crscope/bin`` so a second start does not rebuild; Go's own build cache makes a
rebuild after a version bump cheap. kube-apiserver gets its version stamped in at link
time, as Kubernetes' release build does, so ``/version`` and ``kubectl version`` say
v1.34.4 instead of a module build's ``v0.0.0-master``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

KUBE_VERSION = "v1.34.4"
ETCD_VERSION = "v3.6.16"
HELM_VERSION = "v4.3.2"

_GO_DIR = Path(__file__).resolve().parent / "go"
CACHE_DIR = Path(os.environ.get("CRSCOPE_CACHE_DIR", Path.home() / ".cache" / "crscope")) / "bin"


class BuildError(RuntimeError):
    """A binary could not be built; the message names the missing piece in one line."""


_VERSION_PACKAGE = "k8s.io/component-base/version"


def _kube_version_flags(version: str) -> list[str]:
    """Link flags that stamp ``version`` (vMAJOR.MINOR.PATCH) into a Kubernetes binary."""
    major, minor = version.lstrip("v").split(".")[:2]
    values = {"gitVersion": version, "gitMajor": major, "gitMinor": minor}
    values["gitTreeState"] = "clean"
    return [f"-X {_VERSION_PACKAGE}.{name}={value}" for name, value in values.items()]


def _binary(name: str, version: str, ldflags: Sequence[str] = ()) -> Path:
    if not ldflags:
        return CACHE_DIR / f"{name}-{version}"
    flags = hashlib.sha256(" ".join(ldflags).encode()).hexdigest()[:8]
    return CACHE_DIR / f"{name}-{version}-{flags}"


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise BuildError(
            "the Go toolchain ('go') is not on PATH: install Go >= 1.24 to build kube-apiserver"
        )
    return go


def _build(
    *, name: str, version: str, package: str, module_dir: Path, ldflags: Sequence[str] = ()
) -> Path:
    target = _binary(name, version, ldflags)
    if target.exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    go = _go()
    env = {**os.environ, "CGO_ENABLED": "0"}
    tmp = target.with_suffix(".partial")
    started = time.monotonic()
    print(
        f"[crscope] building {name} {version} (first run only; several minutes on 2 cores)",
        file=sys.stderr,
        flush=True,
    )
    cmd = [go, "build", "-v", "-o", str(tmp)]
    if ldflags:
        cmd += ["-ldflags", " ".join(ldflags)]
    cmd.append(package)
    proc = subprocess.Popen(
        cmd, cwd=module_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    tail: list[str] = []
    for count, line in enumerate(proc.stderr, start=1):
        tail = [*tail[-20:], line.rstrip()]
        if count % 50 == 0:
            elapsed = time.monotonic() - started
            print(
                f"[crscope]   {name}: {count} packages compiled, {elapsed:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    if proc.wait() != 0:
        detail = "\n".join(tail)
        raise BuildError(f"building {name} failed: {' '.join(cmd)} (in {module_dir})\n{detail}")
    tmp.rename(target)
    print(
        f"[crscope] built {name} in {time.monotonic() - started:.0f}s -> {target}",
        file=sys.stderr,
        flush=True,
    )
    return target


def ensure_binaries() -> tuple[Path, Path]:
    """Return (etcd, kube-apiserver), building whichever is not cached yet."""
    etcd = _build(
        name="etcd",
        version=ETCD_VERSION,
        package="go.etcd.io/etcd/server/v3",
        module_dir=_GO_DIR / "etcd",
    )
    apiserver = _build(
        name="kube-apiserver",
        version=KUBE_VERSION,
        package="k8s.io/kubernetes/cmd/kube-apiserver",
        module_dir=_GO_DIR / "apiserver",
        ldflags=_kube_version_flags(KUBE_VERSION),
    )
    return etcd, apiserver


def ensure_kubectl() -> Path:
    """Return the kubectl the tests run copied commands and patches with, built when needed.

    Why the real one: a command or a server-side-apply patch the dashboard offers to copy
    is only right if kubectl itself accepts it; the same version as the apiserver, stamped
    the same way, from a wrapper module of its own so its dependencies stay apart.
    """
    return _build(
        name="kubectl",
        version=KUBE_VERSION,
        package="k8s.io/kubernetes/cmd/kubectl",
        module_dir=_GO_DIR / "kubectl",
        ldflags=_kube_version_flags(KUBE_VERSION),
    )


def ensure_helm() -> Path:
    """Return the helm CLI the chart tests run, building it when it is not cached yet.

    Why here: helm is a Go module like the control plane, so it gets the same pinned,
    version-keyed cache; its version is stamped in so ``helm version`` says what was pinned.
    """
    return _build(
        name="helm",
        version=HELM_VERSION,
        package="helm.sh/helm/v4/cmd/helm",
        module_dir=_GO_DIR / "helm",
        ldflags=[f"-X helm.sh/helm/v4/internal/version.version={HELM_VERSION}"],
    )


if __name__ == "__main__":
    try:
        for path in (*ensure_binaries(), ensure_kubectl(), ensure_helm()):
            print(path)
    except BuildError as exc:
        print(f"[crscope] error: {exc}", file=sys.stderr)
        sys.exit(1)
