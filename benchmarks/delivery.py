"""When the apiserver delivered each change: a bare watch beside the dashboard's.

Why: change-to-DOM latency is measured from just before the PATCH, so it includes the
apiserver's write and its watch delivery, which the dashboard cannot make faster. On 2
cores shared with a 50k-object apiserver, Chromium and 49 viewers, a reader of the
results must be able to tell that share from the dashboard's (delivery to its send) and
the browser's (its send to the DOM). This watcher reads the same namespace's widgets in
its own process, so its receive times are not delayed by the measuring process's writer
threads or by the dashboard's GIL, and records when it first saw each ``name|size`` token
(the token ``ui_latency``'s Chromium probe records).

``python -m benchmarks.delivery KUBECONFIG COLLECTION_PATH`` prints ``ready`` once it is
watching (from the collection's current resourceVersion, so nothing written after
``ready`` is missed), runs until a line or EOF on stdin, then prints one JSON line:
``{"tokens": {token: first seen (time.time())}, "restarts": n, "error": ""}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import orjson

from benchmarks.probe import WatchFollower
from benchmarks.sidecar import Sidecar

_MAX_RESTARTS = 20


def tokens_in(lines: bytes, now: float, seen: dict[str, float]) -> str:
    """Record the ``name|size`` of each watch event in ``lines`` (complete lines only);
    returns the last resourceVersion seen, or ""."""
    version = ""
    for line in lines.splitlines():
        if not line.strip():
            continue
        event = orjson.loads(line)
        obj = event.get("object") or {}
        meta = obj.get("metadata") or {}
        version = meta.get("resourceVersion") or version
        size = (obj.get("spec") or {}).get("size")
        if event.get("type") == "MODIFIED" and size is not None:
            seen.setdefault(f"{meta.get('name', '')}|{size}", now)
    return version


class Watch(WatchFollower):
    """Records when each ``name|size`` token first arrived (see the module docstring)."""

    def __init__(self, kubeconfig: str, path: str) -> None:
        super().__init__(kubeconfig, path, max_restarts=_MAX_RESTARTS)
        self.seen: dict[str, float] = {}

    def _read(self, complete: bytes, now: float) -> str:
        return tokens_in(complete, now, self.seen)

    def report(self) -> dict[str, Any]:
        """Stop watching; what it saw."""
        self.close()
        return {"tokens": self.seen, "restarts": self.restarts, "error": self.error or ""}


class DeliveryProcess(Sidecar):
    """The watcher's process, from the benchmark's side (``stop`` returns its report)."""

    def __init__(self, kubeconfig: Path, path: str) -> None:
        super().__init__("the delivery watcher", "benchmarks.delivery", str(kubeconfig), path)

    def wait_ready(self, timeout: float = 60.0) -> None:
        line = self.first_line(timeout)
        if line != "ready":
            raise self.not_ready(timeout, line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kubeconfig", help="a token kubeconfig")
    parser.add_argument("path", help="the collection, e.g. /apis/demo.crscope.dev/v1/…/widgets")
    args = parser.parse_args(argv)
    watch = Watch(args.kubeconfig, args.path)
    watch.start()
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(watch.report()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
