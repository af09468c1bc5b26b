"""``crscope_history_queue_depth``: changes the history writer has not yet written.

Why here and not in ``dashboard.core.web.metrics``: the core layer must not import history
(it sits below it), so history registers its own collector in the shared registry.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.core.runtime.adapter import adapter
from dashboard.core.web.metrics import REGISTRY
from dashboard.history.writer import HistoryWriter, writer


class HistoryQueueCollector(Collector):
    def __init__(self, history: HistoryWriter) -> None:
        self.history = history

    def collect(self) -> Iterator[Metric]:
        if adapter.engine is None:
            return
        queue = GaugeMetricFamily("crscope_history_queue_depth", "Changes waiting for the DB")
        queue.add_metric([], float(self.history.depth))
        yield queue


REGISTRY.register(HistoryQueueCollector(writer))
