"""How fast does ``GET /api/v1/resources/{group}/{plural}`` answer with N objects cached?

Why this benchmark: name-sorted pages walk the store's name index, but printer-column and
age sorts still sort every match, filters without an index look at each candidate, and
every change to the kind invalidates memoized pages; latency also grows with concurrent
callers. This measures it end to end, as a client sees it: a fresh local control plane, N
objects of a fresh kind created concurrently, the real dashboard server (daphne), and 20
concurrent clients. ``make bench`` measures the same endpoint at 50k objects with 4
clients (``benchmarks/endtoend.py``); this one varies size and scenarios.

    python -m benchmarks.api_list                  # 10000 objects
    python -m benchmarks.api_list --objects 2000   # quicker

Prints a Markdown table of p50/p99 latency and throughput per scenario. It is not part of
the test suite.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from benchmarks.endtoend import measure_api
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from devkit.dashboard_server import DashboardServer

GROUP = "bench-api.crscope.dev"
PLURAL = "items"
KIND = "Item"
NAMESPACES = [f"bench-{i}" for i in range(8)]
TEAMS = ("payments", "search", "identity", "storage", "checkout")
OUTCOMES = {"Ready": 0.8, "Reconciling": 0.15, "Stalled": 0.05}
LIST = f"/api/v1/resources/{GROUP}/{PLURAL}"
FILTER = {"labelSelector": "team=payments", "state": "InProgress"}
#: (name, query, objects keep changing meanwhile). Identical requests share one computed
#: page until the kind changes (dashboard/api/pagecache.py), so the "changing" rows, where
#: a writer patches objects ~20 times a second, show the cost of computing pages.
SCENARIOS: list[tuple[str, dict[str, str], bool]] = [
    ("first page (100, by name)", {}, False),
    ("filtered page (label + state)", FILTER, False),
    ("first page, objects changing", {}, True),
    ("filtered page, objects changing", FILTER, True),
    ("first page by a printer column, objects changing", {"sort": "-Size"}, True),
]
WRITES_PER_SECOND = 20


@dataclass
class Result:
    scenario: str
    requests: int
    p50_ms: float
    p99_ms: float
    rps: float
    total: int


def crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"kind": KIND, "plural": PLURAL, "singular": "item", "listKind": "ItemList"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                        {
                            "name": "Ready",
                            "type": "string",
                            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                        },
                    ],
                }
            ],
        },
    }


def item(index: int) -> dict[str, Any]:
    rng = random.Random(index)
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": KIND,
        "metadata": {
            "name": f"item-{index:06d}",
            "namespace": NAMESPACES[index % len(NAMESPACES)],
            "labels": {"team": rng.choice(TEAMS), "tier": rng.choice(("web", "batch"))},
            "annotations": {"bench.crscope.dev/note": "x" * rng.randint(100, 800)},
        },
        "spec": {
            "size": rng.randint(1, 1000),
            "replicas": rng.randint(1, 9),
            "containers": [{"name": f"c{c}", "image": f"registry.local/app:{c}"} for c in "ab"],
        },
    }


def status(index: int, generation: int) -> dict[str, Any]:
    rng = random.Random(-index)
    outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
    return {
        "observedGeneration": generation,
        "conditions": [
            {
                "type": kind,
                "status": "True" if kind == outcome else "False",
                "reason": "Bench",
                "message": "",
                "lastTransitionTime": "2024-01-01T00:00:00Z",
            }
            for kind in OUTCOMES
        ],
    }


def populate(cp: ControlPlane, count: int, workers: int = 16) -> float:
    """Create ``count`` objects (each with a status) over ``workers`` connections."""
    admin = cp.kubeconfig_path("admin")
    local = threading.local()

    def client() -> KubeHTTP:
        if not hasattr(local, "kube"):
            local.kube = KubeHTTP.from_kubeconfig(admin, timeout=60)
        kube: KubeHTTP = local.kube
        return kube

    def create(index: int) -> None:
        body = item(index)
        ns, name = body["metadata"]["namespace"], body["metadata"]["name"]
        base = f"/apis/{GROUP}/v1/namespaces/{ns}/{PLURAL}"
        created = client().request("POST", base, body=body)
        client().request(
            "PATCH",
            f"{base}/{name}/status",
            body={"status": status(index, created["metadata"]["generation"])},
            content_type=MERGE_PATCH,
        )

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        for done, _ in enumerate(pool.map(create, range(count)), 1):
            if done % 1000 == 0:
                print(f"  created {done}/{count}", file=sys.stderr, flush=True)
    return time.monotonic() - started


def measure(url: str, params: dict[str, str], *, clients: int, total: int) -> Result:
    """``total`` requests spread over ``clients`` threads, each with its own connection."""
    latency = measure_api(url, params, clients=clients, total=total)
    return Result(
        "", latency.requests, latency.p50_ms, latency.p99_ms, latency.per_second, latency.matching
    )


@contextmanager
def changing(cp: ControlPlane, objects: int, enabled: bool) -> Iterator[None]:
    """Patch random objects' spec at about WRITES_PER_SECOND while the block runs."""
    stop = threading.Event()

    def run() -> None:
        rng = random.Random(7)
        with KubeHTTP.from_kubeconfig(cp.kubeconfig_path("admin")) as kube:
            while not stop.wait(1 / WRITES_PER_SECOND):
                body = item(rng.randrange(objects))
                meta = body["metadata"]
                kube.request(
                    "PATCH",
                    f"/apis/{GROUP}/v1/namespaces/{meta['namespace']}/{PLURAL}/{meta['name']}",
                    body={"spec": {"size": rng.randint(1, 1000)}},
                    content_type=MERGE_PATCH,
                )

    writer = threading.Thread(target=run, daemon=True)
    if enabled:
        writer.start()
    try:
        yield
    finally:
        stop.set()
        if enabled:
            writer.join(10)


@contextmanager
def cluster(objects: int) -> Iterator[tuple[ControlPlane, float]]:
    cp = ControlPlane().start()
    try:
        kube = KubeHTTP.from_kubeconfig(cp.kubeconfig_path("admin"))
        kube.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body=crd())
        for ns in NAMESPACES:
            kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": ns}})
        deadline = time.monotonic() + 30
        while True:  # the first create right after a CRD is established may be held ~2 s
            try:
                kube.request("GET", f"/apis/{GROUP}/v1/{PLURAL}", query={"limit": "1"})
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        print(f"creating {objects} objects ...", file=sys.stderr, flush=True)
        yield cp, populate(cp, objects)
    finally:
        cp.stop()


@contextmanager
def dashboard(cp: ControlPlane, workdir: Path, objects: int) -> Iterator[DashboardServer]:
    server = DashboardServer(
        kubeconfig=cp.kubeconfig_path("admin"),
        workdir=workdir,
        extra_env={
            "CRSCOPE_API_RATE": "0",
            "CRSCOPE_INCLUDE_GROUPS": GROUP,
            "CRSCOPE_EVENTS": "off",
            "CRSCOPE_LOG_LEVEL": "WARNING",
        },
    )
    server.start(timeout=300)
    try:
        deadline = time.monotonic() + 300
        while (
            requests.get(server.url + LIST, params={"limit": 1}, timeout=30).json().get("total")
            != objects
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("the dashboard did not load every object")
            time.sleep(0.5)
        yield server
    finally:
        server.stop()


def table(results: list[Result], objects: int, clients: int) -> str:
    lines = [
        f"API list latency, {objects} objects, {clients} concurrent clients",
        "",
        "| scenario | matching objects | requests | p50 (ms) | p99 (ms) | requests/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario} | {r.total} | {r.requests} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {r.rps:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per scenario")
    args = parser.parse_args(argv)
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="crscope-bench-api-") as tmp,
        cluster(args.objects) as (cp, seconds),
    ):
        print(f"created in {seconds:.0f}s; starting the dashboard", file=sys.stderr)
        with dashboard(cp, Path(tmp), args.objects) as server:
            for name, params, churn in SCENARIOS:
                with changing(cp, args.objects, churn):
                    result = measure(
                        server.url + LIST, params, clients=args.clients, total=args.requests
                    )
                result.scenario = name
                results.append(result)
    print(table(results, args.objects, args.clients))
    return 0


if __name__ == "__main__":
    sys.exit(main())
