"""The one way the image tests call podman: as root, with runc, cgroupfs and fixed ulimits.

Why fixed flags: on these machines (no Docker engine, hybrid cgroups) Debian's podman works
only with ``--runtime runc --cgroup-manager cgroupfs`` (crun fails on hybrid cgroups), and
build and run steps need explicit ``nofile``/``nproc`` limits. Keeping them in one module
means no test can start a container some other way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

GLOBAL_FLAGS = ("--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file")
#: Passed to both ``podman build`` and ``podman run``.
ULIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")


class PodmanMissing(RuntimeError):
    """podman (or the root it needs) is not available: the message says how to get it."""


def podman_argv(*args: str) -> list[str]:
    """``podman`` with the machine's global flags, then ``args`` (with the ulimits for
    the commands that start a container)."""
    binary = shutil.which("podman")
    if binary is None:
        raise PodmanMissing("podman is not installed: run `make system-deps`")
    if os.geteuid() != 0:
        raise PodmanMissing("the image tests run podman as root (rootless podman is not set up)")
    if args and args[0] in {"build", "run", "create"}:
        args = (args[0], *ULIMITS, *args[1:])
    return [binary, *GLOBAL_FLAGS, *args]


def podman(
    *args: str, timeout: float = 600, check: bool = True, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one podman command to completion; a failure raises with podman's stderr."""
    result = subprocess.run(
        podman_argv(*args),
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"podman {' '.join(args[:2])} failed ({result.returncode}): {result.stderr[-4000:]}"
        )
    return result


def image_exists(ref: str) -> bool:
    return podman("image", "exists", ref, check=False).returncode == 0


def image_size(ref: str) -> int:
    """Bytes of the image's layers, as ``podman images`` counts them."""
    return int(podman("image", "inspect", "--format", "{{.Size}}", ref).stdout.strip())


def build_argv(context: str, *, tag: str, build_args: Sequence[str] = ()) -> list[str]:
    extra = [a for pair in build_args for a in ("--build-arg", pair)]
    return podman_argv("build", "--tag", tag, *extra, context)
