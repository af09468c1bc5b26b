"""Contender (a): crscope's own engine, built exactly as the dashboard builds it.

Why the whole ``Engine`` rather than a bare ``Informer``: the dashboard pays for CRD
discovery, status computation, the change hub and history's change records too, so the
benchmark does. Events are off and the engine is scoped to the benchmark's API group
(the engine's own levers); ``--list-mode`` picks the initial-state strategy.

Run by the harness as ``python -m benchmarks.crscope_informer --kubeconfig ... --expect N``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any

from benchmarks.protocol import ListMarks, serve
from informers import Change, Engine, EngineSettings, Informer, KubeClient, load_cluster_config


class EngineContender:
    def __init__(self, args: argparse.Namespace) -> None:
        self.key = f"{args.group}/{args.plural}"
        self.engine = Engine(
            KubeClient(load_cluster_config(args.kubeconfig)),
            EngineSettings(include_groups=(args.group,), events="off", list_mode=args.list_mode),
        )
        self.engine.add_change_listener(self._on_change)
        self._events = 0

    def _on_change(self, change: Change) -> None:
        if not change.initial:
            self._events += 1

    def start(self) -> None:
        self.engine.start()

    def ready(self) -> bool:
        informer = self.engine.informer(self.key)
        return informer is not None and informer.synced

    def cached(self) -> int:
        informer = self.engine.informer(self.key)
        return len(informer.store) if informer is not None else 0

    def events(self) -> int:
        return self._events

    def describe(self) -> dict[str, Any]:
        informer = self.engine.informer(self.key)
        if informer is None:
            return {}
        streamed = informer.reflector.metrics.streaming_list
        keys = informer.store.keys()
        kept = sum(1 for key in keys if "managedFields" in _metadata(informer, key))
        return {
            "list_mode": "stream" if streamed else "paged",
            "managed_fields_kept": kept,
            # The reflector's synced event and len(store): both O(1).
            "sync_wait": "synced-event+store-size",
            "polls_list_keys": False,
        }

    def list_marks(self) -> ListMarks | None:
        """The reflector's own counters: lists begun, 410s, and when a list last replaced
        the store (set after the swap and the changes it emitted)."""
        informer = self.engine.informer(self.key)
        if informer is None:
            return None
        m = informer.reflector.metrics
        return ListMarks(
            lists=m.lists, gone=m.relists_gone, replaced=m.last_synced_at, last_error=m.last_error
        )

    def stop(self) -> None:
        self.engine.stop(timeout=2.0)


def _metadata(informer: Informer, key: str) -> Mapping[str, Any]:
    entry = informer.store.get(key)
    return entry.metadata if entry is not None else {}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--version", default="v1")
    parser.add_argument("--plural", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--list-mode", choices=("auto", "stream", "paged"), default="auto")
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    return serve(EngineContender(args), expect=args.expect, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
