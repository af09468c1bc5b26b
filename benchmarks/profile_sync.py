"""Profile crscope's engine where the benchmark says it spends: the initial sync and updates.

Why a separate tool: pyinstrument samples only the thread it runs on, and the engine reads
on its own threads. Here both paths run on the main thread: the sync is a ``Reflector``
whose sink stops it right after the first ``replace``, and the update path replays watch
events recorded from the real apiserver (under real patches) through ``Informer.apply``,
parsing included. It prints the profiles and the per-object and per-event costs.

    python -m benchmarks.profile_sync [--objects 10000] [--events 5000] [--list-mode paged]
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
from typing import Any

import orjson
from pyinstrument import Profiler

from benchmarks.dataset import BenchKind, ensure_crd
from benchmarks.loadgen import LoadGenerator
from benchmarks.populate import populate
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Informer, KindInfo, KubeClient, load_cluster_config
from informers.fanout import Hub
from informers.reflector import Reflector


class _StopAfterSync:
    """Feeds the informer, and stops the reflector once the initial state is in."""

    def __init__(self, informer: Informer) -> None:
        self.informer = informer
        self.reflector: Reflector | None = None
        self.resource_version = ""

    def progress(self, loaded: int, total: int | None) -> None:
        self.informer.progress(loaded, total)

    def replace(self, objects: list[dict[str, Any]], resource_version: str) -> None:
        self.informer.replace(objects, resource_version)
        self.resource_version = resource_version
        assert self.reflector is not None
        self.reflector.stop()

    def apply(self, event_type: str, obj: dict[str, Any]) -> None:
        self.informer.apply(event_type, obj)


def _kind_info(kind: BenchKind) -> KindInfo:
    return KindInfo(kind.group, kind.version, kind.kind, kind.plural, namespaced=True)


def profile_sync(client: KubeClient, kind: BenchKind, *, list_mode: str) -> tuple[Informer, str]:
    """Sync once under the profiler; returns the informer and the sync resourceVersion."""
    hub = Hub()
    informer = Informer(_kind_info(kind), client=client, listeners=[hub.publish])
    sink = _StopAfterSync(informer)
    reflector = Reflector(
        client=client,
        path=informer.kind.collection_path(),
        sink=sink,
        name="profile",
        list_mode=list_mode,  # type: ignore[arg-type]
    )
    sink.reflector = reflector
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        reflector.run()
    elapsed = time.perf_counter() - started
    objects = len(informer.store)
    print(f"## sync: {objects} objects in {elapsed:.2f}s ({elapsed / objects * 1e6:.0f} µs/object)")
    print(f"   streaming list: {reflector.metrics.streaming_list}")
    print(profiler.output_text(unicode=True, show_all=False))
    return informer, sink.resource_version


def record_events(
    client: KubeClient, kind: BenchKind, loadgen: LoadGenerator, *, count: int, rv: str
) -> list[bytes]:
    """Watch from ``rv`` while the load generator writes; keep ``count`` raw event lines."""
    lines: list[bytes] = []
    path = _kind_info(kind).collection_path()
    stream = client.watch(path, {"resourceVersion": rv, "timeoutSeconds": 120})

    def follow() -> None:
        for event in stream:
            if event.get("type") == "MODIFIED":
                lines.append(orjson.dumps(event))
                if len(lines) >= count:
                    stream.close()
                    return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    while reader.is_alive() and len(lines) < count:
        loadgen.step(1000, 2.0)
    stream.close()
    return lines[:count]


def profile_updates(informer: Informer, lines: list[bytes]) -> None:
    profiler = Profiler(interval=0.0002)
    gc.collect()
    started = time.perf_counter()
    with profiler:
        for line in lines:
            event = orjson.loads(line)
            informer.apply(event["type"], event["object"])
    elapsed = time.perf_counter() - started
    per_event = elapsed / max(1, len(lines)) * 1e6
    print(f"## updates: {len(lines)} events in {elapsed:.2f}s ({per_event:.0f} µs/event)")
    print(profiler.output_text(unicode=True, show_all=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--list-mode", choices=("auto", "stream", "paged"), default="auto")
    args = parser.parse_args()
    kind = BenchKind()
    with ControlPlane() as cp:
        kubeconfig = cp.kubeconfig_path("admin")
        ensure_crd(KubeHTTP.from_kubeconfig(kubeconfig), kind)
        populate(kubeconfig, kind, start=0, stop=args.objects)
        client = KubeClient(load_cluster_config(str(kubeconfig)))
        informer, rv = profile_sync(client, kind, list_mode=args.list_mode)
        loadgen = LoadGenerator(kubeconfig, kind, objects=args.objects)
        lines = record_events(client, kind, loadgen, count=args.events, rv=rv)
        loadgen.close()
        profile_updates(informer, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
