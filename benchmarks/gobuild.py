"""Build (once) and cache the client-go contender binary.

Why keyed by a hash of the sources: a rerun of ``make bench`` must start instantly, and an
edit to ``main.go`` or ``go.mod`` must never run a stale binary. The binary sits next to
the control plane's cached binaries; Go's build cache (already warm from building
kube-apiserver, which compiles most of client-go) makes even the first build short.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from devkit.controlplane.build import CACHE_DIR

MODULE_DIR = Path(__file__).resolve().parent / "clientgo"
_SOURCES = ("go.mod", "go.sum", *sorted(p.name for p in MODULE_DIR.glob("*.go")))


class GoBuildError(RuntimeError):
    """The contender could not be built; the message carries the compiler's last lines."""


def binary_path() -> Path:
    digest = hashlib.sha256()
    for name in _SOURCES:
        path = MODULE_DIR / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return CACHE_DIR / f"clientgo-bench-{digest.hexdigest()[:16]}"


def go_version() -> str:
    go = shutil.which("go")
    if go is None:
        return "not installed"
    result = subprocess.run([go, "version"], capture_output=True, text=True, check=False)
    return result.stdout.strip().removeprefix("go version ")


def ensure_clientgo() -> Path:
    """Return the cached binary, building it first if the sources changed."""
    target = binary_path()
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise GoBuildError(
            "the Go toolchain ('go') is not on PATH; it builds the client-go contender"
        )
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"}
    started = time.monotonic()
    _say("building the client-go contender (first run only; Go's build cache makes it quick)")
    proc = subprocess.Popen(
        [go, "build", "-v", "-o", str(partial), "."],
        cwd=MODULE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    tail: list[str] = []
    for count, line in enumerate(proc.stderr, 1):
        tail = [*tail[-15:], line.rstrip()]
        if count % 25 == 0:
            _say(f"  client-go contender: {count} packages, {time.monotonic() - started:.0f}s")
    if proc.wait() != 0:
        raise GoBuildError("go build failed in " + str(MODULE_DIR) + ":\n" + "\n".join(tail))
    partial.rename(target)
    _say(f"built the client-go contender in {time.monotonic() - started:.0f}s -> {target}")
    return target


def _say(line: str) -> None:
    print(f"[bench] {line}", file=sys.stderr, flush=True)
