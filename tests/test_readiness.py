"""With no reachable cluster the server still starts, and /readyz says why it is not ready.

No timing assumptions: the server may take long to start on a loaded machine, so the test
waits until it answers, then checks what /readyz says.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from devkit.dashboard_server import DashboardServer


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def _wait_answering(url: str, *, timeout: float) -> None:
    """Until the server answers 200: it listens only once Django and daphne have loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _get(url)[0] == 200:
                return
        except OSError:  # not listening yet (URLError is an OSError)
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.mark.parametrize("content", ["not: [valid", None])
def test_unreachable_or_bad_kubeconfig(tmp_path: Path, content: str | None) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    if content is None:  # a well-formed kubeconfig pointing at a closed port
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "c",
                    "clusters": [
                        {
                            "name": "c",
                            "cluster": {
                                "server": "https://127.0.0.1:9",
                                "insecure-skip-tls-verify": True,
                            },
                        }
                    ],
                    "users": [{"name": "u", "user": {"token": "x"}}],
                    "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                }
            )
        )
    else:
        kubeconfig.write_text(content)
    server = DashboardServer(kubeconfig=kubeconfig, workdir=tmp_path / "srv")
    try:
        server.start(wait=False)
        _wait_answering(f"{server.url}/healthz", timeout=120)
        status, body = _get(f"{server.url}/readyz")
        assert status == 503
        reasons = json.loads(body)["reasons"]
        assert reasons and all(isinstance(r, str) and r for r in reasons)
        assert "Traceback" not in server.log_text()
    finally:
        server.stop()
