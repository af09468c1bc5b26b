"""Run a command a person copied from the dashboard, in bash, with the real kubectl.

Why bash and not argv: what the dashboard offers is text to paste into a shell (quoting,
here-documents, ``$(date +%s)``), so the test must run it the way the person would.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Kubectl:
    bin_dir: Path
    kubeconfig: Path

    def paste(self, text: str, *, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run ``text`` in bash as the cluster admin; the result, whatever its exit code."""
        env = {
            **os.environ,
            "PATH": f"{self.bin_dir}:{os.environ['PATH']}",
            "KUBECONFIG": str(self.kubeconfig),
        }
        return subprocess.run(
            ["bash", "-c", text], env=env, capture_output=True, text=True, timeout=timeout
        )
