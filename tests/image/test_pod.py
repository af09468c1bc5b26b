"""The image, run as the Helm chart's Deployment would run it, against the real apiserver.

What a platform team relies on when it applies the manifests: the pod becomes ready as a
non-root user on a read-only root filesystem, using only the in-cluster service account
bound to the shipped ClusterRole; it serves the custom resource kinds; nothing it asks the
apiserver for is forbidden; nothing crashes; and SIGTERM stops it cleanly within the grace
period.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.samples import KINDS
from tests.deploy.helm import Obj
from tests.image.account import Account
from tests.image.manifests import pod_spec
from tests.image.pod import run_pod
from tests.image.podman import podman

pytestmark = [pytest.mark.image, pytest.mark.cluster]

FORBIDDEN = re.compile(r"\b403\b|forbidden", re.IGNORECASE)


def test_pod_serves_the_kinds_and_stops_cleanly(
    image: str,
    control_plane: ControlPlane,
    sample_crds: list[str],
    shipped: list[Obj],
    account: Account,
    tmp_path: Path,
) -> None:
    spec = pod_spec(
        image=image,
        objects=shipped,
        control_plane=control_plane,
        account=account,
        workdir=tmp_path / "pod",
    )
    with run_pod(spec) as pod:
        pod.wait_ready(timeout=240)
        # The pod's own token is a user the shipped role lets list the sample kinds, so
        # this also exercises TokenReview and SubjectAccessReview from inside the pod.
        status, body = pod.get(
            "/api/v1/resources",
            headers={"Authorization": f"Bearer {account.token}", "Host": "localhost"},
        )
        assert status == 200, body[:500]
        served = {item["kind"] for item in json.loads(body)["items"]}
        assert {kind.kind for kind in KINDS} <= served
        # Confinement as the manifest asks: its user, and nothing writable but volumes.
        assert pod.exec("id", "-u").strip() == str(spec.security_context["runAsUser"])
        assert "read-only" in pod.exec("sh", "-c", "touch /app/probe 2>&1; true").lower()
        exit_code = pod.terminate()
        logs = pod.logs()
    assert exit_code == 0, logs[-3000:]
    assert "Traceback" not in logs, logs[-3000:]
    assert not FORBIDDEN.search(logs), [
        line for line in logs.splitlines() if FORBIDDEN.search(line)
    ]


def test_runtime_stage_has_no_build_tools_or_package_caches(image: str) -> None:
    """Compilers, pip and package caches stay in the builder stage."""
    listing = podman(
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        "for t in gcc cc make pip pip3; do command -v $t; done;"
        " ls /var/lib/apt/lists /var/cache/apt /var/cache/apt/archives /root/.cache 2>/dev/null;"
        " ls /opt/venv/bin",
    ).stdout.split()
    assert not [
        p
        for p in listing
        if p.startswith("/") and p.rsplit("/", 1)[-1] in {"gcc", "cc", "make", "pip", "pip3"}
    ]
    assert not [p for p in listing if p.endswith((".bin", ".deb", "_Packages", "_InRelease"))], (
        listing
    )
    assert "daphne" in listing
