"""An in-memory ring of Failed and InProgress counts per kind, sampled every ~10 s.

Why in memory: the sparklines answer "is this getting worse right now?"; an hour of
samples is enough for that and costs nothing to keep, while the history database stays
about objects. Counts are kept per namespace (only non-zero ones) so a viewer limited to
some namespaces sees a sparkline of just those.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

from dashboard.core.auth.access import shows_namespace
from informers import Engine, KindInfo, State

log = logging.getLogger(__name__)

INTERVAL = 10.0
KEEP = 360  # one hour


@dataclass(frozen=True)
class KindSample:
    failed: int
    progress: int
    by_namespace: dict[str, tuple[int, int]]

    def for_namespaces(self, allowed: set[str] | None, kind: KindInfo) -> tuple[int, int]:
        """The counts in what ``allowed`` shows, by ``access.shows_namespace`` (the rule the
        cards' counts use, so a card and its sparkline end on the same number)."""
        if allowed is None:
            return self.failed, self.progress
        failed = progress = 0
        for ns, (f, p) in self.by_namespace.items():
            if shows_namespace(allowed, kind, ns or None):
                failed += f
                progress += p
        return failed, progress


Sample = tuple[float, dict[str, KindSample]]


def take_sample(engine: Engine) -> dict[str, KindSample]:
    result = {}
    for informer in engine.informers():
        failed: Counter[str] = Counter()
        progress: Counter[str] = Counter()
        for entry in informer.store.list(states=[State.FAILED, State.IN_PROGRESS]):
            bucket = failed if entry.status.state == State.FAILED else progress
            bucket[entry.namespace or ""] += 1
        namespaces = set(failed) | set(progress)
        result[informer.kind.key] = KindSample(
            failed=sum(failed.values()),
            progress=sum(progress.values()),
            by_namespace={ns: (failed[ns], progress[ns]) for ns in namespaces},
        )
    return result


class Sampler:
    def __init__(self, interval: float = INTERVAL, keep: int = KEEP) -> None:
        self.interval = interval
        self._ring: deque[Sample] = deque(maxlen=keep)
        self._engine: Engine | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, engine: Engine) -> None:
        self.stop()
        self._engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="ui-sampler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            engine = self._engine
            if engine is None:
                continue
            try:
                self._ring.append((time.time(), take_sample(engine)))
            except Exception:
                log.exception("ui sampler: a sample failed")

    def series(
        self, kind: KindInfo, allowed: set[str] | None, current: tuple[int, int] | None = None
    ) -> tuple[list[int], list[int]]:
        """Failed and InProgress counts, oldest first, ending with ``current`` if given."""
        failed: list[int] = []
        progress: list[int] = []
        for _, sample in list(self._ring):
            counts = sample.get(kind.key)
            f, p = counts.for_namespaces(allowed, kind) if counts is not None else (0, 0)
            failed.append(f)
            progress.append(p)
        if current is not None:
            failed.append(current[0])
            progress.append(current[1])
        return failed, progress

    @property
    def generation(self) -> int:
        """Changes whenever a sample is added: cards re-render their sparkline then."""
        return int(self._ring[-1][0]) if self._ring else 0


sampler = Sampler()
