"""Patch existing benchmark objects at a target rate and report the rate actually achieved.

Why open-loop: request ``i`` of a step is due at ``start + i / rate`` whatever happened to
the ones before it, so a slow apiserver shows up as an achieved rate below the target
instead of silently stretching the step. Every patch sets a never-repeated sequence number,
so every successful write really changes its object and must produce exactly one watch
event: the harness compares what a contender received with ``StepResult.ok``. Writes come
from ``bench-load``, a third field manager, like an autoscaler or a CI system would be.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from benchmarks.dataset import BenchKind, name_of, namespace_of
from benchmarks.wire import WireClient, WireError

LOAD_MANAGER = "bench-load"
MERGE_PATCH = "application/merge-patch+json"
#: A prime stride spreads consecutive writes over the objects (no hot object).
_STRIDE = 7919


@dataclass(frozen=True)
class StepResult:
    target_rate: float
    seconds: float
    sent: int
    ok: int
    failed: int
    #: From the step's start to its last completed write.
    elapsed: float
    #: ``time.monotonic()`` of the last completed write: the contender's lag starts here.
    finished_at: float

    @property
    def achieved_rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0


class LoadGenerator:
    """Worker threads with one kept-alive connection each, reused across steps."""

    def __init__(
        self, kubeconfig: str | Path, kind: BenchKind, *, objects: int, workers: int = 24
    ) -> None:
        self.kind = kind
        self.objects = objects
        self._clients = [WireClient.from_kubeconfig(kubeconfig) for _ in range(workers)]
        self._sequence = itertools.count(int(time.time()))

    def step(self, rate: float, seconds: float) -> StepResult:
        """Send writes at ``rate``/s for ``seconds``; returns once every write has answered."""
        slots = itertools.count()
        started = time.monotonic()
        results: list[tuple[int, int, int, float]] = []
        lock = threading.Lock()

        def work(client: WireClient) -> None:
            outcome = self._work(client, slots, started, rate, seconds)
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in self._clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 60)
        sent = sum(r[0] for r in results)
        ok = sum(r[1] for r in results)
        finished = max((r[3] for r in results), default=started)
        return StepResult(
            target_rate=rate,
            seconds=seconds,
            sent=sent,
            ok=ok,
            failed=sum(r[2] for r in results),
            elapsed=finished - started,
            finished_at=finished,
        )

    def _work(
        self,
        client: WireClient,
        slots: itertools.count[int],
        started: float,
        rate: float,
        seconds: float,
    ) -> tuple[int, int, int, float]:
        sent = ok = failed = 0
        last = started
        ends = started + seconds
        for slot in slots:  # next() on a shared itertools.count is atomic under the GIL
            due = started + slot / rate
            if due >= ends or time.monotonic() >= ends:
                break  # writes the apiserver had no time for are not sent late
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent += 1
            if self._patch(client, next(self._sequence)):
                ok += 1
            else:
                failed += 1
            last = time.monotonic()
        return sent, ok, failed, last

    def _patch(self, client: WireClient, seq: int) -> bool:
        index = (seq * _STRIDE) % self.objects
        body = orjson.dumps(
            {
                "metadata": {"annotations": {"bench.crscope.dev/seq": str(seq)}},
                "spec": {"replicas": seq % 10 + 1},
            }
        )
        target = (
            f"{self.kind.path(namespace_of(index), name_of(index))}?fieldManager={LOAD_MANAGER}"
        )
        try:
            status, _ = client.request("PATCH", target, body, MERGE_PATCH)
        except (OSError, WireError):
            return False
        return status == 200

    def close(self) -> None:
        for client in self._clients:
            client.close()
