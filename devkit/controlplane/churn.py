"""Keep the sample objects changing, the way a busy cluster's users and controllers do.

Why: a live dashboard is only proven live by a cluster that moves. ``Churn`` plays two
actors with distinct field managers, so managedFields and history show who changed what:
``churn-user`` creates objects and edits their spec (bumping ``metadata.generation``),
and ``churn-controller`` reconciles: it writes kstatus conditions through ``/status``
(sometimes lagging ``observedGeneration`` behind), holds finalizers so objects sit in
Terminating for a while, and records core/v1 Events, aggregated by count like the
real event recorder does.

It runs in one thread at a rate that can be changed while it runs (0 pauses it). Races
and outages are part of the job: 404s, 409s and an unreachable apiserver are counted,
never raised, so a test that restarts the apiserver can keep churn running across it.

Run it against any kubeconfig with a bearer token::

    python -m devkit.controlplane.churn --kubeconfig PATH --rate 5 --seed-per-kind 3
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import urllib3

from devkit.controlplane.kubehttp import MERGE_PATCH, ApiError, KubeHTTP
from devkit.controlplane.samples import (
    CLUSTER_POLICY,
    DATABASE,
    KINDS,
    OUTCOMES,
    WIDGET,
    SampleKind,
    apply_crds,
    ensure_namespace,
    now_rfc3339,
    sample_object,
    sample_spec,
    seed_objects,
    status_for,
    write_params,
    write_status,
)

USER_MANAGER = "churn-user"
CONTROLLER_MANAGER = "churn-controller"
FINALIZER = "demo.crscope.dev/cleanup"
EVENT_COMPONENT = "churn"

#: Relative weights of the random actions; status writes dominate, as in real clusters.
ACTION_WEIGHTS = {"create": 2, "update_spec": 3, "patch_status": 5, "delete": 1}

_ERROR_KINDS = {404: "not_found", 409: "conflict"}
#: Event reasons that are Warnings; every other reason churn records is Normal.
WARNING_REASONS = frozenset({"ReconcileFailed"})
_OUTCOME_REASONS = {
    "Ready": "Reconciled",
    "Reconciling": "Progressing",
    "Stalled": "ReconcileFailed",
}


@dataclass
class ChurnStats:
    """What churn did: successful operations, tolerated errors, and anything unexpected."""

    operations: Counter[str] = field(default_factory=Counter)
    tolerated: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)

    @property
    def total_operations(self) -> int:
        return sum(self.operations.values())


@dataclass(frozen=True)
class _Ref:
    kind: SampleKind
    namespace: str | None
    name: str

    @property
    def path(self) -> str:
        return self.kind.object_path(self.name, self.namespace)


@dataclass
class _EventSeries:
    name: str
    namespace: str
    count: int


class Churn:
    """Randomly creates, edits, reconciles and deletes sample objects in ``namespaces``."""

    def __init__(
        self,
        client: KubeHTTP,
        *,
        namespaces: Sequence[str],
        rate: float = 5.0,
        rng: random.Random | None = None,
        max_objects: int = 60,
    ) -> None:
        if not namespaces:
            raise ValueError("churn needs at least one namespace")
        self.client = client
        self.namespaces = tuple(namespaces)
        self.rate = rate  # operations per second; read on every tick, so it can change live
        self.max_objects = max_objects
        self._rng = rng or random.Random()
        self._stats = ChurnStats()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._objects: list[_Ref] | None = None
        self._releases: list[tuple[float, _Ref]] = []  # (due, ref) finalizers to drop
        self._series: dict[tuple[str, str], _EventSeries] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Churn:
        """Ensure the namespaces, take stock of existing objects, and start the thread."""
        if self._thread is not None:
            raise RuntimeError("churn is already running")
        for namespace in self.namespaces:
            ensure_namespace(self.client, namespace)
        self._objects = self._list_objects()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="crscope-churn", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> Churn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stats(self) -> ChurnStats:
        """A consistent copy of the counters, safe to read while churn runs."""
        with self._lock:
            return ChurnStats(
                Counter(self._stats.operations),
                Counter(self._stats.tolerated),
                list(self._stats.unexpected),
            )

    # -- the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            rate = self.rate
            if rate <= 0:
                self._stop.wait(0.2)
                next_at = time.monotonic()
                continue
            self.step_safely()
            # Pace by schedule, not by sleep-after-work, but never burst more than 1 s behind.
            next_at = max(next_at + 1.0 / rate, time.monotonic() - 1.0)
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def step_safely(self) -> None:
        """One :meth:`step`; errors are classified and counted instead of raised."""
        try:
            self.step()
        except ApiError as err:
            if err.status in _ERROR_KINDS:
                self._count_tolerated(_ERROR_KINDS[err.status])
            elif err.status == 429 or err.status >= 500:
                self._count_tolerated("unavailable")
            else:
                self._count_unexpected(f"{err}")
        except (urllib3.exceptions.HTTPError, OSError):
            self._count_tolerated("unavailable")
        except Exception as err:  # the loop must outlive any bug in a single step
            self._count_unexpected(f"{type(err).__name__}: {err}")

    def step(self) -> str:
        """Do one action (a due finalizer release first, else a weighted random one)."""
        if self._objects is None:
            self._objects = self._list_objects()
        now = time.monotonic()
        due = next((item for item in self._releases if item[0] <= now), None)
        if due is not None:
            self._releases.remove(due)
            self._release_finalizer(due[1])
            return "finalizer_released"
        action = self._choose_action()
        getattr(self, f"_{action}")()
        return action

    def _choose_action(self) -> str:
        assert self._objects is not None
        if not self._objects:
            return "create"
        action: str = self._rng.choices(tuple(ACTION_WEIGHTS), tuple(ACTION_WEIGHTS.values()))[0]
        if action == "create" and len(self._objects) >= self.max_objects:
            return "delete"
        return action

    # -- actions ---------------------------------------------------------------------------
    def _create(self) -> None:
        kind = self._rng.choice(KINDS)
        namespace = self._rng.choice(self.namespaces) if kind.namespaced else None
        body = sample_object(kind, namespace=namespace, rng=self._rng)
        created = self.client.request(
            "POST", kind.collection_path(namespace), body=body, query=write_params(USER_MANAGER)
        )
        assert self._objects is not None
        self._objects.append(_Ref(kind, namespace, created["metadata"]["name"]))
        self._count("create")
        self._record_event(kind, created, "Created", f"{kind.kind} created by {USER_MANAGER}")

    def _update_spec(self) -> None:
        ref, obj = self._pick_and_get()
        patch, change = tweak_spec(ref.kind, obj["spec"], self._rng)
        updated = self.client.request(
            "PATCH",
            ref.path,
            body={"spec": patch},
            content_type=MERGE_PATCH,
            query=write_params(USER_MANAGER),
        )
        self._count("update_spec")
        generation = updated["metadata"]["generation"]
        self._record_event(ref.kind, updated, "SpecChanged", f"{change} (generation {generation})")

    def _patch_status(self) -> None:
        ref, obj = self._pick_and_get()
        generation = obj["metadata"]["generation"]
        observed = generation
        if generation > 1 and self._rng.random() < 0.25:
            observed = generation - 1  # the controller has not caught up with the last edit
        outcome = self._rng.choices(OUTCOMES, weights=(5, 3, 2))[0]
        status = status_for(
            ref.kind, obj, outcome=outcome, observed_generation=observed, rng=self._rng
        )
        written = write_status(
            self.client, ref.kind, obj, status=status, field_manager=CONTROLLER_MANAGER
        )
        self._count("patch_status")
        message = status["conditions"][0]["message"]  # Ready always carries the explanation
        self._record_event(ref.kind, written, _OUTCOME_REASONS[outcome], message)

    def _delete(self) -> None:
        ref, obj = self._pick_and_get()
        assert self._objects is not None
        self._objects.remove(ref)
        hold = self._rng.random() < 0.5
        if hold:  # the object then shows as Terminating until the release falls due
            finalizers = [*obj["metadata"].get("finalizers", []), FINALIZER]
            self.client.request(
                "PATCH",
                ref.path,
                body={"metadata": {"finalizers": finalizers}},
                content_type=MERGE_PATCH,
                query=write_params(CONTROLLER_MANAGER),
            )
            # Scheduled before the DELETE so a failed DELETE cannot strand the finalizer.
            self._releases.append((time.monotonic() + self._rng.uniform(1.0, 4.0), ref))
        self.client.request("DELETE", ref.path)
        self._count("delete")
        if hold:
            self._record_event(
                ref.kind, obj, "Finalizing", f"Cleaning up before removing {FINALIZER}"
            )
        else:
            self._record_event(ref.kind, obj, "Deleted", f"Deleted by {USER_MANAGER}")
            self._forget_series(obj)

    def _release_finalizer(self, ref: _Ref) -> None:
        obj = self.client.request("GET", ref.path)
        meta = obj["metadata"]
        rest = [f for f in meta.get("finalizers", []) if f != FINALIZER]
        # resourceVersion makes this a compare-and-swap, so a racing writer yields a 409.
        patch = {
            "metadata": {"finalizers": rest or None, "resourceVersion": meta["resourceVersion"]}
        }
        try:
            self.client.request(
                "PATCH",
                ref.path,
                body=patch,
                content_type=MERGE_PATCH,
                query=write_params(CONTROLLER_MANAGER),
            )
        except ApiError as err:
            if err.status == 409:  # raced with another writer: try again shortly
                self._releases.append((time.monotonic() + 0.5, ref))
            raise
        self._count("finalizer_released")
        self._record_event(ref.kind, obj, "Deleted", f"Removed finalizer {FINALIZER}")
        self._forget_series(obj)

    # -- helpers ---------------------------------------------------------------------------
    def _pick_and_get(self) -> tuple[_Ref, dict[str, Any]]:
        assert self._objects
        ref = self._rng.choice(self._objects)
        try:
            return ref, self.client.request("GET", ref.path)
        except ApiError as err:
            if err.status == 404:  # deleted by someone else: stop choosing it
                self._objects.remove(ref)
            raise

    def _list_objects(self) -> list[_Ref]:
        refs = []
        for kind in KINDS:
            scopes: Sequence[str | None] = self.namespaces if kind.namespaced else (None,)
            for namespace in scopes:
                listing = self.client.request("GET", kind.collection_path(namespace))
                refs += [
                    _Ref(kind, namespace, item["metadata"]["name"])
                    for item in listing["items"]
                    if "deletionTimestamp" not in item["metadata"]
                ]
        return refs

    def _record_event(
        self, kind: SampleKind, obj: dict[str, Any], reason: str, message: str
    ) -> None:
        """Create a core/v1 Event, or bump ``count`` on the existing series for the same
        object and reason, as client-go's recorder does."""
        meta = obj["metadata"]
        key = (meta["uid"], reason)
        series = self._series.get(key)
        now = now_rfc3339()
        if series is not None:
            try:
                self.client.request(
                    "PATCH",
                    f"/api/v1/namespaces/{series.namespace}/events/{series.name}",
                    body={"count": series.count + 1, "lastTimestamp": now, "message": message},
                    content_type=MERGE_PATCH,
                    query=write_params(CONTROLLER_MANAGER),
                )
                series.count += 1
                self._count("event")
                return
            except ApiError as err:
                if err.status != 404:  # a 404 means the event expired: start a new series
                    raise
        namespace = meta.get("namespace") or "default"  # where cluster-scoped events live
        body = _event_body(kind, obj, namespace=namespace, reason=reason, message=message, now=now)
        self.client.request(
            "POST",
            f"/api/v1/namespaces/{namespace}/events",
            body=body,
            query=write_params(CONTROLLER_MANAGER),
        )
        self._series[key] = _EventSeries(body["metadata"]["name"], namespace, 1)
        self._count("event")

    def _forget_series(self, obj: dict[str, Any]) -> None:
        uid = obj["metadata"]["uid"]
        for key in [k for k in self._series if k[0] == uid]:
            del self._series[key]

    def _count(self, operation: str) -> None:
        with self._lock:
            self._stats.operations[operation] += 1

    def _count_tolerated(self, what: str) -> None:
        with self._lock:
            self._stats.tolerated[what] += 1

    def _count_unexpected(self, message: str) -> None:
        with self._lock:
            if len(self._stats.unexpected) < 100:
                self._stats.unexpected.append(message)


def _event_body(
    kind: SampleKind,
    obj: dict[str, Any],
    *,
    namespace: str,
    reason: str,
    message: str,
    now: str,
) -> dict[str, Any]:
    meta = obj["metadata"]
    involved = {
        "apiVersion": obj["apiVersion"],
        "kind": kind.kind,
        "name": meta["name"],
        "uid": meta["uid"],
        "resourceVersion": meta["resourceVersion"],
    }
    if meta.get("namespace"):
        involved["namespace"] = meta["namespace"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name']}.{time.time_ns():x}", "namespace": namespace},
        "involvedObject": involved,
        "type": "Warning" if reason in WARNING_REASONS else "Normal",
        "reason": reason,
        "message": message,
        "source": {"component": EVENT_COMPONENT},
        "reportingComponent": EVENT_COMPONENT,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }


# -- spec edits ---------------------------------------------------------------------------
def _other(rng: random.Random, options: Sequence[Any], current: Any) -> Any:
    choices = [o for o in options if o != current]
    return rng.choice(choices) if choices else current


def _tweak_widget(spec: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    field_name = rng.choice(("size", "replicas", "color", "image"))
    if field_name == "image":
        repo, _, tag = spec.get("image", "registry.local/widget:1.0.0").rpartition(":")
        major, minor, patch = [*tag.split("."), "0", "0", "0"][:3]
        new: Any = f"{repo}:{major}.{minor}.{int(patch) + 1 if patch.isdigit() else 1}"
    elif field_name == "color":
        new = _other(rng, ("red", "green", "blue", "yellow", "purple"), spec.get("color"))
    elif field_name == "size":
        new = _other(rng, range(1, 101), spec.get("size"))
    else:
        new = _other(rng, range(6), spec.get("replicas"))
    return {field_name: new}, f"spec.{field_name}: {spec.get(field_name)} -> {new}"


def _tweak_database(spec: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    choice = rng.choice(("storageGB", "backups", "version"))
    if choice == "storageGB":
        new = min(spec["storageGB"] * 2, 16384)
        if new == spec["storageGB"]:
            new = spec["storageGB"] // 2
        return {"storageGB": new}, f"spec.storageGB: {spec['storageGB']} -> {new}"
    if choice == "backups":
        enabled = not (spec.get("backups") or {}).get("enabled", True)
        return {"backups": {"enabled": enabled}}, f"spec.backups.enabled -> {enabled}"
    fresh = sample_spec(DATABASE, rng)  # a new engine and version together stay consistent
    return (
        {"engine": fresh["engine"], "version": fresh["version"]},
        f"spec: {spec['engine']} {spec['version']} -> {fresh['engine']} {fresh['version']}",
    )


def _tweak_policy(spec: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], str]:
    if rng.random() < 0.5:
        new = _other(rng, ("Audit", "Warn", "Enforce"), spec["enforcement"])
        return {"enforcement": new}, f"spec.enforcement: {spec['enforcement']} -> {new}"
    rules = sample_spec(CLUSTER_POLICY, rng)["rules"]
    names = ", ".join(r["name"] for r in rules)
    return {"rules": rules}, f"spec.rules replaced ({names})"


_TWEAKS: dict[str, Callable[[dict[str, Any], random.Random], tuple[dict[str, Any], str]]] = {
    WIDGET.kind: _tweak_widget,
    DATABASE.kind: _tweak_database,
    CLUSTER_POLICY.kind: _tweak_policy,
}


def tweak_spec(
    kind: SampleKind, spec: dict[str, Any], rng: random.Random
) -> tuple[dict[str, Any], str]:
    """A merge patch for ``spec`` that changes one thing, and a sentence saying what."""
    return _TWEAKS[kind.kind](spec, rng)


# -- command line -------------------------------------------------------------------------
def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.controlplane.churn",
        description="Apply the sample CRDs and churn objects.",
    )
    parser.add_argument("--kubeconfig", required=True, help="token-based kubeconfig")
    parser.add_argument("--rate", type=float, default=5.0, help="operations/s (0 = paused)")
    parser.add_argument("--namespaces", default="demo-a,demo-b", help="comma-separated")
    parser.add_argument(
        "--seed-per-kind",
        type=int,
        default=0,
        help="create this many objects per kind and namespace first",
    )
    parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = until ^C")
    parser.add_argument("--random-seed", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    namespaces = [n for n in args.namespaces.split(",") if n]
    rng = random.Random(args.random_seed)
    client = KubeHTTP.from_kubeconfig(args.kubeconfig)
    print(f"applied {', '.join(apply_crds(client))}", file=sys.stderr)
    if args.seed_per_kind:
        seed_objects(client, namespaces=namespaces, per_kind=args.seed_per_kind, rng=rng)
    churn = Churn(client, namespaces=namespaces, rate=args.rate, rng=rng).start()
    deadline = time.monotonic() + args.duration if args.duration > 0 else float("inf")
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(10.0, remaining))
            if time.monotonic() < deadline:
                _print_stats(churn.stats())
    except KeyboardInterrupt:
        pass
    finally:
        churn.stop()
        client.close()
    _print_stats(churn.stats())
    return 0


def _print_stats(stats: ChurnStats) -> None:
    print(
        f"ops={dict(stats.operations)} tolerated={dict(stats.tolerated)} "
        f"unexpected={len(stats.unexpected)}",
        file=sys.stderr,
        flush=True,
    )
    for message in stats.unexpected[-3:]:
        print(f"  unexpected: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
