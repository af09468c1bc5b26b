"""Keyset pagination: pages stay consistent while objects are created and deleted.

A writer thread creates and deletes widgets in the namespace while the test pages through
it with small pages, in several sort orders. No object may be served twice, and every
object that existed for the whole walk must be served.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import WIDGET, sample_object, write_params
from tests.dashboard.api.client import MANAGER, Api, list_path
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

WIDGETS = list_path(WIDGET)
STABLE = 120
DOOMED = 40


def _create(kube: KubeHTTP, namespace: str, name: str, size: int) -> None:
    body = sample_object(WIDGET, namespace=namespace, rng=random.Random(size))
    body["metadata"]["name"] = name
    body["spec"]["size"] = size
    kube.request("POST", WIDGET.collection_path(namespace), body=body, query=write_params(MANAGER))


def _delete(kube: KubeHTTP, namespace: str, name: str) -> None:
    kube.request("DELETE", WIDGET.object_path(name, namespace))


class Writer:
    """Creates ``new-*`` widgets and deletes the doomed ones until stopped."""

    def __init__(self, kube: KubeHTTP, namespace: str, doomed: list[str]) -> None:
        self.kube, self.namespace, self.doomed = kube, namespace, list(doomed)
        self.stop = threading.Event()
        self.writes = 0
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        try:
            while not self.stop.is_set():
                i += 1
                _create(self.kube, self.namespace, f"new-{i:04d}", 1 + i % 100)
                if self.doomed:
                    _delete(self.kube, self.namespace, self.doomed.pop())
                self.writes += 1
        except BaseException as exc:  # surfaced by the test
            self.errors.append(exc)


@pytest.fixture
def populated(api: Api, kube: KubeHTTP, namespace: str) -> Iterator[tuple[list[str], list[str]]]:
    stable = [f"keep-{i:03d}" for i in range(STABLE)]
    doomed = [f"doom-{i:03d}" for i in range(DOOMED)]
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda n: _create(kube, namespace, n[1], 1 + n[0] % 100), enumerate(stable + doomed)
            )
        )
    wait_for(
        lambda: api.json(WIDGETS, {"namespace": namespace, "limit": 1})["total"] == STABLE + DOOMED,
        what="all widgets listed",
    )
    yield stable, doomed


def _walk(api: Api, params: dict[str, Any]) -> list[str]:
    names: list[str] = []
    token = None
    for _ in range(1000):
        page = api.json(WIDGETS, {**params, **({"continue": token} if token else {})})
        names.extend(item["name"] for item in page["items"])
        token = page["continue"]
        if token is None:
            return names
    raise AssertionError("pagination did not end")


def test_default_page_is_100_items(
    api: Api, populated: tuple[list[str], list[str]], namespace: str
) -> None:
    page = api.json(WIDGETS, {"namespace": namespace})
    assert len(page["items"]) == 100
    assert page["total"] == STABLE + DOOMED
    assert page["continue"]
    rest = api.json(WIDGETS, {"namespace": namespace, "continue": page["continue"]})
    assert len(rest["items"]) == STABLE + DOOMED - 100 and rest["continue"] is None


@pytest.mark.parametrize("sort", ["name", "-name", "Size", "-age"])
def test_pages_stay_consistent_under_concurrent_writes(
    api: Api, kube: KubeHTTP, populated: tuple[list[str], list[str]], namespace: str, sort: str
) -> None:
    stable, doomed = populated
    writer = Writer(kube, namespace, doomed)
    writer.thread.start()
    try:
        wait_for(lambda: writer.writes >= 3 or writer.errors, what="the writer is writing")
        writes_before = writer.writes
        seen = _walk(api, {"namespace": namespace, "limit": 7, "sort": sort})
        writes_during = writer.writes - writes_before
    finally:
        writer.stop.set()
        writer.thread.join(10)
    assert not writer.errors, writer.errors
    assert writes_during > 0, "the writer did not overlap the walk"
    assert len(seen) == len(set(seen)), "an object was served twice"
    missing = set(stable) - set(seen)
    assert not missing, f"objects that existed throughout were skipped: {sorted(missing)}"
    assert set(seen) <= set(stable) | set(doomed) | {n for n in seen if n.startswith("new-")}
