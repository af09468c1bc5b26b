"""Contender (c): what a Python script with the official ``kubernetes`` client typically does.

Why it is in the benchmark: it is the baseline a Python team would otherwise write, so the
engine's numbers need it beside them. ``CustomObjectsApi.list_cluster_custom_object``
(one unpaginated LIST, as the client's examples do), then ``watch.Watch().stream`` from
the list's resourceVersion, keeping every object in a dict keyed by namespace/name. No
tuning is applied: the point is the cost of the obvious code.

Run by the harness as ``python -m benchmarks.pyclient_baseline --kubeconfig ... --expect N``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import traceback
from typing import Any

from kubernetes import client, config, watch

from benchmarks.protocol import ListMarks, serve


class PyClientContender:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        api_client = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=args.kubeconfig
        )
        self.api = client.CustomObjectsApi(api_client)
        self.store: dict[str, Any] = {}
        self._watch = watch.Watch()  # type: ignore[no-untyped-call]
        self._events = 0
        self._listed = False

    def start(self) -> None:
        a = self.args
        listing: Any = self.api.list_cluster_custom_object(a.group, a.version, a.plural)
        for obj in listing["items"]:
            self.store[_key(obj)] = obj
        self._listed = True
        rv = listing["metadata"]["resourceVersion"]
        threading.Thread(target=self._follow, args=(rv,), daemon=True, name="watch").start()

    def _follow(self, resource_version: str) -> None:
        a = self.args
        try:
            for event in self._watch.stream(  # type: ignore[no-untyped-call]
                self.api.list_cluster_custom_object,
                a.group,
                a.version,
                a.plural,
                resource_version=resource_version,
            ):
                obj = event["object"]
                if event["type"] == "DELETED":
                    self.store.pop(_key(obj), None)
                else:
                    self.store[_key(obj)] = obj
                self._events += 1
        except Exception:
            traceback.print_exc()  # to the harness's log file; the event count tells the rest

    def ready(self) -> bool:
        return self._listed

    def cached(self) -> int:
        return len(self.store)

    def events(self) -> int:
        return self._events

    def describe(self) -> dict[str, Any]:
        kept = sum(1 for obj in self.store.values() if "managedFields" in obj.get("metadata", {}))
        # One unpaginated LIST: the client's own examples; a reference, not a fair rival.
        return {
            "list_mode": "list",
            "managed_fields_kept": kept,
            "sync_wait": "listed-flag+dict-size",
            "polls_list_keys": False,
        }

    def list_marks(self) -> ListMarks | None:
        return None  # one LIST, then a watch that is never resumed: no relist to report

    def stop(self) -> None:
        self._watch.stop()  # type: ignore[no-untyped-call]


def _key(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--version", default="v1")
    parser.add_argument("--plural", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    return serve(PyClientContender(args), expect=args.expect, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
