"""The event ceiling, crscope's side: the whole engine fed a recorded watch stream.

Why through the ListerWatcher seam: on two cores the apiserver cannot write events as
fast as an informer consumes them, so the ceiling must be measured against a recording.
``benchmarks/ceiling.py`` records a real LIST and a real watch stream once; here the
engine (built as ``benchmarks.crscope_informer`` builds it: discovery, status, diffs, the
hub) reads them through ``Engine(source=...)``. The stream's bytes go through the same
``WatchStream`` parser a socket's would, in the chunks it reads from a socket, so only the
network and HTTP framing are left out; client-go's replay (``clientgo/replay.go``) leaves
out the same. The LIST is synced untimed; the clock runs from the stream's release to the
change of its last event.

    taskset -c 0 python -m benchmarks.crscope_replay --replay DIR --expect N --expect-events M
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from benchmarks.protocol import cpu_seconds, emit, settle
from informers import Change, Engine, EngineSettings
from informers.listerwatcher import EventStream, ListOptions, WatchOptions
from informers.listwatch import WatchStream
from informers.registry import CRD_PATH
from informers.testing import unused_client


class RecordedBody:
    """What ``WatchStream`` reads from a urllib3 response, over recorded bytes."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, amt: int, decode_content: bool = True) -> Iterator[bytes]:
        view = memoryview(self._data)
        for start in range(0, len(view), amt):
            yield bytes(view[start : start + amt])

    def shutdown(self) -> None:
        pass

    def close(self) -> None:
        pass


class Quiet:
    """A watch with nothing to say until it is closed (every watch after the recording)."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._closed.wait()
        return iter(())

    def close(self) -> None:
        self._closed.set()


class Recorded:
    """One collection: its recorded LIST, then the recorded stream once ``release`` is set."""

    def __init__(self, listed: dict[str, Any], stream: bytes, release: threading.Event) -> None:
        self._listed = listed
        self._stream = stream
        self._release = release
        self._served = False

    def list(self, options: ListOptions) -> dict[str, Any]:
        return self._listed

    def watch(self, options: WatchOptions) -> EventStream:
        if self._served or not self._stream:
            return Quiet()
        self._served = True
        self._release.wait()
        return WatchStream(RecordedBody(self._stream))  # type: ignore[arg-type]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replay", type=Path, required=True, help="the recording's directory")
    parser.add_argument("--group", required=True)
    parser.add_argument("--plural", required=True)
    parser.add_argument("--expect", type=int, required=True, help="objects in the LIST")
    parser.add_argument("--expect-events", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=600.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    release, done = threading.Event(), threading.Event()
    crds = orjson.loads((args.replay / "crds.json").read_bytes())
    listed = orjson.loads((args.replay / "list.json").read_bytes())
    stream = (args.replay / "watch.ndjson").read_bytes()
    collection = Recorded(listed, stream, release)

    def source(path: str) -> Recorded:
        return Recorded(crds, b"", release) if path == CRD_PATH else collection

    engine = Engine(
        unused_client(),
        EngineSettings(include_groups=(args.group,), events="off", list_mode="paged"),
        source=source,
    )
    seen = 0

    def on_change(change: Change) -> None:
        nonlocal seen
        if change.initial:
            return
        seen += 1
        if seen >= args.expect_events:
            done.set()

    engine.add_change_listener(on_change)
    key = f"{args.group}/{args.plural}"
    deadline = time.monotonic() + args.timeout
    engine.start()
    while True:
        informer = engine.informer(key)
        if informer is not None and informer.synced and len(informer.store) >= args.expect:
            break
        if time.monotonic() > deadline:
            emit("error", error=f"replay: not synced after {args.timeout}s")
            return 1
        time.sleep(0.01)
    settle()
    emit("synced", objects=len(informer.store), cpus=len(os.sched_getaffinity(0)))
    cpu0, started = cpu_seconds(), time.perf_counter()
    release.set()
    if not done.wait(max(0.0, deadline - time.monotonic())):
        emit("error", error=f"replay: {seen} of {args.expect_events} events in time")
        return 1
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu0
    emit(
        "replayed",
        events=seen,
        seconds=elapsed,
        replay_cpu_s=cpu,
        events_per_s=seen / elapsed,
        cpus=len(os.sched_getaffinity(0)),
        stream_bytes=len(stream),
    )
    engine.stop(timeout=2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
