"""Prometheus ``/metrics``: informer, history, WebSocket and API figures.

Why protected: metric labels name kinds, which a user without access must not learn.
With ``CRSCOPE_METRICS_TOKEN`` set, scrapers present it as a bearer token; without it,
only loopback clients (a sidecar, port-forward) may scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.core.runtime.adapter import adapter

REGISTRY = CollectorRegistry(auto_describe=True)
API_REQUESTS = Counter("crscope_api_requests", "API requests served", ["status"], registry=REGISTRY)
WS_MESSAGES = Counter(
    "crscope_websocket_messages", "WebSocket batches pushed to browsers", registry=REGISTRY
)
WS_RESYNCS = Counter(
    "crscope_websocket_resyncs", "Full refreshes sent after an overflow", registry=REGISTRY
)


class ApiRequestsMiddleware:
    """Count every ``/api/`` response by status, including problems and 404s from the
    catch-all route: an error rate is what an alert on this counter is for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            API_REQUESTS.labels(status=str(response.status_code)).inc()
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
