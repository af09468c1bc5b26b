"""Build, cache and import the test-only Debian base image the Dockerfile is built on.

Why: no container registry is reachable from these machines, so ``python:3.11-slim-bookworm``
cannot be pulled. The same Debian release with its own Python 3.11 is built here from Debian
packages with ``mmdebstrap`` and passed through the Dockerfile's ``PYTHON_IMAGE`` argument.
The default base for users stays the official image.

Outbound HTTPS here is re-signed by a local CA, so this base (and only this base, never the
Dockerfile) trusts the host's extra CA certificates: those ``update-ca-certificates``
installed from /usr/local/share/ca-certificates, plus a pip.conf that points pip (whose
vendored certifi ignores the system store) at the system bundle, as the host's does.

The tarball is cached under ``~/.cache/crscope/images`` keyed by every input (suite,
sources, packages, certificates, hooks), and the imported image is tagged with that key, so
a warm run neither debootstraps nor imports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.image.podman import image_exists, podman

SUITE = "bookworm"  # the Debian release of the Dockerfile's default python:3.11-slim-bookworm
MIRROR = os.environ.get("CRSCOPE_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SECURITY_MIRROR = os.environ.get(
    "CRSCOPE_DEBIAN_SECURITY_MIRROR", "http://deb.debian.org/debian-security"
)
PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates")
#: Like Debian's slim images: no manuals, docs (but copyrights) or translations.
DPKG_EXCLUDES = (
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
)
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
PIP_CONF = "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\ntimeout = 180\n"
REPOSITORY = "localhost/crscope-test-base"
CACHE_DIR = Path(os.environ.get("CRSCOPE_CACHE_DIR", Path.home() / ".cache" / "crscope")) / "images"


def sources() -> list[str]:
    return [
        f"deb {MIRROR} {SUITE} main",
        f"deb {MIRROR} {SUITE}-updates main",
        f"deb {SECURITY_MIRROR} {SUITE}-security main",
    ]


def host_certificates() -> list[Path]:
    """The extra CAs the host trusts (update-ca-certificates' local directory)."""
    if not HOST_CA_DIR.is_dir():
        return []
    return sorted(p for p in HOST_CA_DIR.rglob("*.crt") if p.is_file())


def cache_key() -> str:
    inputs = {
        "suite": SUITE,
        "sources": sources(),
        "packages": PACKAGES,
        "dpkg": DPKG_EXCLUDES,
        "pip.conf": PIP_CONF,
        "certs": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in host_certificates()},
        "recipe": 1,  # bump when the hooks below change
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def mmdebstrap_argv(target: Path, workdir: Path) -> list[str]:
    certs = host_certificates()
    hooks: list[str] = []
    if certs:
        pip_conf = workdir / "pip.conf"
        pip_conf.write_text(PIP_CONF)
        listed = " ".join(f"'{p}'" for p in certs)
        hooks += [
            f"--customize-hook=copy-in {listed} /usr/local/share/ca-certificates/",
            f"--customize-hook=copy-in '{pip_conf}' /etc/",
            '--customize-hook=chroot "$1" update-ca-certificates',
        ]
    return [
        "mmdebstrap",
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        *(f"--dpkgopt={opt}" for opt in DPKG_EXCLUDES),
        *hooks,
        SUITE,
        str(target),
        *sources(),
    ]


def ensure_base_image(*, log: Path | None = None) -> str:
    """The base image's reference, building and importing it only when its key is new."""
    key = cache_key()
    ref = f"{REPOSITORY}:{key}"
    if image_exists(ref):
        return ref
    tarball = CACHE_DIR / f"base-{key}.tar"
    if not tarball.exists():
        if shutil.which("mmdebstrap") is None:
            raise RuntimeError("mmdebstrap is not installed: run `make system-deps`")
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="crscope-base-") as tmp:
            partial = Path(tmp) / "base.tar"
            out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
            try:
                subprocess.run(
                    mmdebstrap_argv(partial, Path(tmp)),
                    check=True,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=1800,
                )
            finally:
                if log:
                    out.close()  # type: ignore[union-attr]
            shutil.move(partial, tarball.with_suffix(".partial"))
            tarball.with_suffix(".partial").rename(tarball)
    podman("import", "--change", 'CMD ["/bin/bash"]', str(tarball), ref, timeout=600)
    return ref


if __name__ == "__main__":
    print(ensure_base_image(log=Path(sys.argv[1]) if len(sys.argv) > 1 else None))
