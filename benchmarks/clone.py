"""Load objects beyond the first 10k by copying stored ones inside etcd, not through the API.

Why: ``populate`` makes two API writes per object (a create, then a ``/status`` patch by a
second field manager), and the apiserver spends ~3 ms of CPU on each: on two cores the
40k objects between 10k and 50k took 3 minutes, and the 150k between 50k and 200k would
take about 11, against a 25-minute budget for all of ``make bench`` (copying runs at
about 1,000 objects/s). Here the first ``TEMPLATES`` objects, as the apiserver
stored them (managedFields and status included), are copied under new names and uids
straight into the real etcd, one put each (so each gets a revision, hence a
resourceVersion, of its own, as an API write would). The real apiserver sees
them through its own etcd watch, exactly as it sees any other write, and serves them to
every contender alike; only the way they reached etcd differs. A clone of object ``j`` is
object ``j`` renamed (same namespace, labels, spec and status), so the dataset beyond the
templates is a pure function of the index as before, just with fewer distinct bodies.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.dataset import BenchKind, name_of, namespace_of
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import ApiError, KubeHTTP

#: Objects loaded through the API up to here, copied beyond. It was 50k until 2026-12-07,
#: when ``make bench`` took 29 minutes; the first 10k still give every size its API-made
#: objects, and the sizes from 50k on were already mostly copies.
CLONE_FROM = 10_000
#: Objects copied from; a multiple of the namespace count, so a clone keeps its namespace.
TEMPLATES = 1000
#: Objects per task of a worker; each object is one put on the worker's connection.
BATCH = 500
WORKERS = 8
#: The apiserver's storage prefix (its default; the control plane does not change it).
PREFIX = "/registry"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _etcd(cp: ControlPlane, path: str, body: dict[str, Any], timeout: float = 60) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{cp.etcd_port}{path}", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _key(kind: BenchKind, namespace: str, name: str) -> bytes:
    return f"{PREFIX}/{kind.group}/{kind.plural}/{namespace}/{name}".encode()


def read_templates(
    cp: ControlPlane, kind: BenchKind, count: int = TEMPLATES
) -> list[dict[str, Any]]:
    """Objects ``0..count-1`` as etcd holds them (every one must exist)."""
    found = []
    for index in range(count):
        key = _key(kind, namespace_of(index), name_of(index))
        answer = _etcd(cp, "/v3/kv/range", {"key": _b64(key)})
        values = answer.get("kvs") or []
        if not values:
            raise RuntimeError(f"template {key.decode()} is not in etcd")
        found.append(json.loads(base64.b64decode(values[0]["value"])))
    return found


def clone_of(template: dict[str, Any], index: int) -> dict[str, Any]:
    """``template`` as object ``index``: its name (also where its labels repeat it) and a
    new uid; the namespace is the template's, which ``namespace_of(index)`` gives too."""
    obj: dict[str, Any] = json.loads(json.dumps(template))
    meta = obj["metadata"]
    old, new = meta["name"], name_of(index)
    meta["name"], meta["uid"] = new, str(uuid.uuid4())
    for field in ("labels", "annotations"):
        values = meta.get(field) or {}
        for label, value in values.items():
            if value == old:
                values[label] = new
    if meta["namespace"] != namespace_of(index):
        raise ValueError(f"template {old} is in {meta['namespace']}, not {namespace_of(index)}")
    return obj


def clone(
    cp: ControlPlane,
    kube: KubeHTTP,
    kind: BenchKind,
    *,
    start: int,
    stop: int,
    log: Callable[[str], None] = print,
    timeout: float = 600.0,
) -> float:
    """Create objects ``start..stop-1`` as clones and wait until the apiserver lists
    ``stop`` objects; returns objects per second, the wait included."""
    began = time.monotonic()
    templates = read_templates(cp, kind, min(TEMPLATES, start))
    if len(templates) % 8:
        raise ValueError("the templates must be a multiple of the namespace count")
    lock = threading.Lock()
    done = [0]
    local = threading.local()

    def put(first: int) -> None:
        # One put per request: a transaction of many would give them all one revision,
        # and so one resourceVersion, which no apiserver write ever does.
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", cp.etcd_port, timeout=60)
        connection: http.client.HTTPConnection = local.connection
        last = min(first + BATCH, stop)
        for index in range(first, last):
            obj = clone_of(templates[index % len(templates)], index)
            key = _key(kind, obj["metadata"]["namespace"], obj["metadata"]["name"])
            value = json.dumps(obj, separators=(",", ":")).encode()
            body = json.dumps({"key": _b64(key), "value": _b64(value)})
            connection.request("POST", "/v3/kv/put", body=body)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise RuntimeError(f"etcd put {key.decode()}: {response.status} {answer[:200]!r}")
        with lock:
            done[0] += last - first
            if done[0] % 20_000 < last - first:
                log(f"cloned {done[0]:,} of {stop - start:,} objects in etcd")

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(put, range(start, stop, BATCH)))
    deadline = time.monotonic() + timeout
    while (listed := count_listed(kube, kind)) < stop:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the apiserver lists {listed} objects, not {stop}")
        time.sleep(0.5)
    waited = wait_cache_current(kube, kind, timeout=max(1.0, deadline - time.monotonic()))
    if waited >= 1.0:
        log(f"the apiserver's watch cache caught up with etcd {waited:.0f} s later")
    return (stop - start) / (time.monotonic() - began)


def wait_cache_current(
    kube: KubeHTTP, kind: BenchKind, *, timeout: float = 600.0, revision: str | None = None
) -> float:
    """Wait until the apiserver's watch cache of ``kind`` has seen etcd's current revision
    (or ``revision``); returns the seconds waited.

    Why: a LIST without a resourceVersion is answered by etcd when the cache lags, so
    ``count_listed`` can see every clone while the cache is still taking them in from its
    etcd watch (at 200k objects it was 75,000 revisions behind). A contender whose
    streamed list started then would be timed waiting for the apiserver, and only the first
    one measured would. A LIST at that revision with ``NotOlderThan`` is answered by the
    cache alone, and with 504 until it has caught up.
    """
    began = time.monotonic()
    if revision is None:
        page = kube.request("GET", kind.path(), query={"limit": "1"})
        revision = str((page.get("metadata") or {})["resourceVersion"])
    query = {"limit": "1", "resourceVersion": revision, "resourceVersionMatch": "NotOlderThan"}
    while True:
        try:
            kube.request("GET", kind.path(), query=query)
        except ApiError as exc:
            # 504: the cache waited (3 s) and is still behind; 429: it is (re)initialising
            if exc.status not in (429, 504):
                raise
            if time.monotonic() - began > timeout:
                raise TimeoutError(
                    f"the watch cache of {kind.plural} did not reach revision {revision} "
                    f"in {timeout:.0f} s: {exc}"
                ) from exc
            time.sleep(0.2)
            continue
        return time.monotonic() - began


def rewrite_all(
    cp: ControlPlane,
    kind: BenchKind,
    change: Callable[[dict[str, Any]], None],
    *,
    log: Callable[[str], None] = print,
    page_size: int = 1000,
) -> int:
    """Rewrite every stored object of ``kind`` through ``change``, one put each, straight
    in etcd (the apiserver may be down: ``relist.expire_watches(while_down=...)``); returns
    how many were rewritten. Each put moves the object's revision, so the apiserver serves
    it at a new resourceVersion, as after a write through the API."""
    prefix = f"{PREFIX}/{kind.group}/{kind.plural}/".encode()
    end = prefix[:-1] + bytes([prefix[-1] + 1])
    start, done = prefix, 0

    def put(pair: tuple[bytes, dict[str, Any]]) -> None:
        key, obj = pair
        change(obj)
        value = json.dumps(obj, separators=(",", ":")).encode()
        _etcd(cp, "/v3/kv/put", {"key": _b64(key), "value": _b64(value)})

    with ThreadPoolExecutor(WORKERS) as pool:
        while True:
            answer = _etcd(
                cp,
                "/v3/kv/range",
                {"key": _b64(start), "range_end": _b64(end), "limit": page_size},
            )
            kvs = answer.get("kvs") or []
            pairs = [
                (base64.b64decode(kv["key"]), json.loads(base64.b64decode(kv["value"])))
                for kv in kvs
            ]
            list(pool.map(put, pairs))
            done += len(pairs)
            if not answer.get("more") or not pairs:
                break
            start = pairs[-1][0] + b"\x00"
            if done % 20_000 < len(pairs):
                log(f"rewrote {done:,} objects in etcd")
    return done


def count_listed(kube: KubeHTTP, kind: BenchKind) -> int:
    """How many objects a LIST of the kind answers (one item and the remaining count)."""
    page = kube.request("GET", kind.path(), query={"limit": "1"})
    meta = page.get("metadata") or {}
    return len(page.get("items") or []) + int(meta.get("remainingItemCount") or 0)
