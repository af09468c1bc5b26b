"""Build the crscope image from a clean copy of the tree, on the local Debian base.

Why a clean copy: ``podman build .`` in a working checkout would send whatever lies around
(.venv, db.sqlite3, caches) if .dockerignore missed it, and would hide a file the build
needs that git does not track. The context is exactly git's files of the tree under test:
by default the working tree's tracked and untracked-but-not-ignored files (what pytest is
testing), or ``git archive`` of ``$CRSCOPE_IMAGE_REF`` when that names a commit. The
Dockerfile's .dockerignore then filters it as it would for a user.

Run as ``python -m tests.image.build``: prints the image reference and its size, so that
``make image-test`` can time the build apart from the tests and pass the image on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.image.base import ensure_base_image
from tests.image.podman import build_argv, image_size

ROOT = Path(__file__).resolve().parents[2]
TAG = "localhost/crscope:test"


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, timeout=120)


def copy_tree(dest: Path, *, ref: str | None = None) -> None:
    """Fill ``dest`` with git's view of the tree: a commit's files, or the working tree's."""
    if ref:
        archive = _git("archive", "--format=tar", ref).stdout
        subprocess.run(["tar", "-xf", "-", "-C", str(dest)], input=archive, check=True)
        return
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree but still in the index
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def build_image(*, base: str, tag: str = TAG, log: Path | None = None) -> str:
    """Build ``tag`` from a clean copy of the tree on ``base``; podman's layer cache makes
    a rebuild with unchanged dependencies cheap."""
    with tempfile.TemporaryDirectory(prefix="crscope-context-") as tmp:
        copy_tree(Path(tmp), ref=os.environ.get("CRSCOPE_IMAGE_REF") or None)
        out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        try:
            result = subprocess.run(
                build_argv(tmp, tag=tag, build_args=[f"PYTHON_IMAGE={base}"]),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=1800,
            )
        finally:
            if log:
                out.close()  # type: ignore[union-attr]
    if result.returncode != 0:
        raise RuntimeError(f"podman build failed ({result.returncode}); see {log or 'its output'}")
    return tag


def ensure_image(*, log: Path | None = None) -> str:
    """The image under test: ``$CRSCOPE_TEST_IMAGE`` when the caller built it, else built now."""
    return os.environ.get("CRSCOPE_TEST_IMAGE") or build_image(
        base=ensure_base_image(log=log), log=log
    )


def main() -> None:
    log = Path(os.environ.get("CRSCOPE_IMAGE_LOG", tempfile.gettempdir() + "/crscope-image.log"))
    started = time.monotonic()
    base = ensure_base_image(log=log)
    based = time.monotonic()
    tag = build_image(base=base, log=log)
    built = time.monotonic()
    print(
        f"base {base}: {based - started:.0f}s; image {tag}: {built - based:.0f}s, "
        f"{image_size(tag) / 1e6:.0f} MB (log: {log})",
        file=sys.stderr,
    )
    print(tag)


if __name__ == "__main__":
    main()
