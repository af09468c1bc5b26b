"""Prometheus ``/metrics``: informer, history, WebSocket and API figures.

Why protected: metric labels name kinds, which a user without access must not learn.
With ``CRSCOPE_METRICS_TOKEN`` set, scrapers present it as a bearer token; without it,
only loopback clients (a sidecar, port-forward) may scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.core.runtime.adapter import adapter
from dashboard.core.web.onehop import ARRIVED

REGISTRY = CollectorRegistry(auto_describe=True)
API_REQUESTS = Counter("crscope_api_requests", "API requests served", ["status"], registry=REGISTRY)
API_SECONDS = Histogram(
    "crscope_api_request_seconds",
    "Time the server spent on an API request (streams: until the response started)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
WS_MESSAGES = Counter(
    "crscope_websocket_messages", "WebSocket batches pushed to browsers", registry=REGISTRY
)
WS_RESYNCS = Counter(
    "crscope_websocket_resyncs", "Full refreshes sent after an overflow", registry=REGISTRY
)


class ApiRequestsMiddleware:
    """Count every ``/api/`` response by status, including problems and 404s from the
    catch-all route: an error rate is what an alert on this counter is for.

    It also times each one, into a histogram and a ``Server-Timing: app;dur=<ms>`` header:
    a client that sees a slow answer can tell the server's share from the network's and
    from the queue in front of the server (browsers show the header in their developer
    tools; ``make bench`` reads it to report the server's own time per page).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        # From the moment the request was complete when the handler recorded it (the
        # wait for a free thread included: onehop.py), else from here.
        started = request.META.get(ARRIVED) or time.perf_counter()
        response = self.get_response(request)
        took = time.perf_counter() - started
        API_REQUESTS.labels(status=str(response.status_code)).inc()
        API_SECONDS.observe(took)
        response["Server-Timing"] = f"app;dur={took * 1000:.2f}"
        return response


class EngineCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        engine = adapter.engine
        if engine is None:
            return
        data = engine.metrics()
        gauges = {
            "objects": "Objects in the cache",
            "events": "Watch events received",
            "lists": "Lists (initial and relists)",
            "relists_gone": "Relists after 410 Gone",
            "watch_restarts": "Watches restarted",
            "errors": "Errors while listing/watching",
            "malformed": "Malformed watch events skipped",
        }
        for name, help_text in gauges.items():
            family = GaugeMetricFamily(f"crscope_informer_{name}", help_text, labels=["kind"])
            for kind, values in data["kinds"].items():
                family.add_metric([kind], float(values.get(name, 0)))
            yield family
        synced = GaugeMetricFamily("crscope_informer_synced", "1 when synced", labels=["kind"])
        age = GaugeMetricFamily(
            "crscope_informer_last_event_timestamp_seconds",
            "When the last watch event arrived",
            labels=["kind"],
        )
        unavailable = GaugeMetricFamily(
            "crscope_informer_unavailable",
            "1 when the kind cannot be listed (forbidden, not found, conversion failed) past "
            "the grace period; readiness does not wait for it",
            labels=["kind", "reason"],
        )
        for kind, values in data["kinds"].items():
            synced.add_metric([kind], 1.0 if values.get("synced") else 0.0)
            age.add_metric([kind], float(values.get("last_event_at", 0.0)))
            if values.get("unavailable"):
                unavailable.add_metric([kind, str(values["unavailable"])], 1.0)
        yield synced
        yield age
        yield unavailable
        subs = data.get("subscriptions", [])
        depth = GaugeMetricFamily("crscope_subscription_queue_depth", "Pending changes, summed")
        depth.add_metric([], float(sum(s["depth"] for s in subs)))
        yield depth
        overflows = GaugeMetricFamily(
            "crscope_subscription_overflows", "Subscriptions that fell behind and resynced"
        )
        overflows.add_metric([], float(sum(s["overflows"] for s in subs)))
        yield overflows


REGISTRY.register(EngineCollector())


def _allowed(request: HttpRequest) -> bool:
    expected = str(settings.CRSCOPE_METRICS_TOKEN)
    if expected:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), expected.encode())
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse(
            "metrics are protected: present CRSCOPE_METRICS_TOKEN\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(
        generate_latest(REGISTRY), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
