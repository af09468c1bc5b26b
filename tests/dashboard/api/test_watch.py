"""``/api/v1/watch``: the NDJSON stream over real HTTP against the running server."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from devkit.controlplane.samples import GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

WATCH = "/api/v1/watch"
RESOURCE = f"{GROUP}/widgets"


class Stream:
    """Reads a watch stream on a thread; each line is queued with its arrival time."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.lines: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for raw in self.response.iter_lines():
                if raw:
                    self.lines.put((time.monotonic(), json.loads(raw)))
        except (requests.RequestException, AttributeError, ValueError):
            pass  # the test closed the connection
        finally:
            self.lines.put(None)

    def next(self, timeout: float = 10.0) -> tuple[float, dict[str, Any]]:
        item = self.lines.get(timeout=timeout)
        assert item is not None, "the stream ended"
        return item

    def until(self, want: Any, timeout: float = 10.0) -> tuple[float, dict[str, Any]]:
        """Skip lines (bookmarks, other objects) until one for which ``want`` is true."""
        deadline = time.monotonic() + timeout
        while True:
            at, line = self.next(max(0.01, deadline - time.monotonic()))
            if want(line):
                return at, line

    def initial(self) -> list[dict[str, Any]]:
        """The current state, up to the initial-events-end bookmark."""
        lines: list[dict[str, Any]] = []
        while True:
            _, line = self.next()
            if line["type"] == "BOOKMARK":
                annotations = line["object"]["metadata"].get("annotations", {})
                assert annotations == {"k8s.io/initial-events-end": "true"}
                return lines
            lines.append(line)

    def close(self) -> None:
        self.response.close()


@pytest.fixture
def watch(api: Api) -> Iterator[Any]:
    opened: list[Stream] = []

    def open_stream(**params: Any) -> Stream:
        response = api.get(WATCH, {"resource": RESOURCE, **params}, stream=True)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/x-ndjson"
        stream = Stream(response)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


def _named(name: str, change: str | None = None) -> Any:
    def match(line: dict[str, Any]) -> bool:
        if line["type"] == "BOOKMARK":
            return False
        return line["object"]["metadata"]["name"] == name and change in (None, line["type"])

    return match


def test_starts_with_the_current_state(
    api: Api, objects: Objects, namespace: str, watch: Any
) -> None:
    made = [objects.create(WIDGET, namespace=namespace, name=n) for n in ("w-one", "w-two")]
    # With a status: a bare Widget's state depends on how many Widgets other tests gave
    # one (waiting for a controller, docs/contracts.md).
    made[0] = objects.set_outcome(WIDGET, made[0], "Ready")
    objects.shown(WIDGET, made[0])
    objects.shown(WIDGET, made[1])
    stream = watch(namespace=namespace, timeoutSeconds=0)
    initial = stream.initial()
    assert [(x["type"], x["object"]["metadata"]["name"]) for x in initial] == [
        ("ADDED", "w-one"),
        ("ADDED", "w-two"),
    ]
    assert initial[0]["object"]["spec"]["auth"]["password"] == "***redacted***"
    assert initial[0]["state"]["state"] == "Current"
    assert stream.lines.get(timeout=60) is None  # timeoutSeconds=0 ends after the state


def test_changes_arrive_as_they_happen(objects: Objects, namespace: str, watch: Any) -> None:
    """Each change reaches the stream. How fast is the benchmarks' business (change-to-client
    latency); here the bound only has to fail a stream that never delivers."""
    stream = watch(namespace=namespace)
    assert stream.initial() == []
    widget = objects.create(WIDGET, namespace=namespace, name="live")
    _, line = stream.until(_named("live", "ADDED"), timeout=60)

    objects.set_outcome(WIDGET, widget, "Stalled")
    _, line = stream.until(_named("live", "MODIFIED"), timeout=60)
    assert line["state"]["state"] == "Failed"

    objects.delete(WIDGET, widget)
    _, line = stream.until(_named("live", "DELETED"), timeout=60)


def test_bookmarks_show_the_stream_is_alive(namespace: str, watch: Any) -> None:
    stream = watch(namespace=namespace)
    stream.initial()
    # The test server sends a bookmark every second; nothing else happens in the namespace.
    for _ in range(2):
        _, line = stream.next(timeout=60)
        assert line["type"] == "BOOKMARK"
        assert line["object"]["kind"] == "Widget"
        assert int(line["object"]["metadata"]["resourceVersion"]) > 0


def test_label_selector_and_moving_out_of_it(objects: Objects, namespace: str, watch: Any) -> None:
    stream = watch(namespace=namespace, labelSelector="app=web")
    stream.initial()
    web = objects.create(WIDGET, namespace=namespace, name="web", labels={"app": "web"})
    objects.create(WIDGET, namespace=namespace, name="db", labels={"app": "db"})
    stream.until(_named("web", "ADDED"))
    moved = objects.patch(WIDGET, web, {"metadata": {"labels": {"app": "db"}}})
    _, line = stream.until(lambda x: x["type"] != "BOOKMARK")
    assert (line["type"], line["object"]["metadata"]["name"]) == ("DELETED", "web")
    objects.patch(WIDGET, moved, {"metadata": {"labels": {"app": "web"}}})
    _, line = stream.until(lambda x: x["type"] != "BOOKMARK")
    assert (line["type"], line["object"]["metadata"]["name"]) == ("ADDED", "web")


def test_timeout_seconds_ends_the_stream(namespace: str, watch: Any) -> None:
    started = time.monotonic()
    stream = watch(namespace=namespace, timeoutSeconds=1)
    stream.initial()
    while (item := stream.lines.get(timeout=60)) is not None:
        assert item[1]["type"] == "BOOKMARK"
    # Far below the server's default (minutes), however loaded the machine.
    assert time.monotonic() - started < 60


def _last_watch_line(api: Api) -> str:
    lines = [line for line in api.server.log_text().splitlines() if "watch: stream" in line]
    return lines[-1] if lines else ""


def test_client_disconnect_ends_the_subscription(api: Api, namespace: str, watch: Any) -> None:
    wait_for(
        lambda: _last_watch_line(api) == "" or "(0 open" in _last_watch_line(api),
        what="no stream left open by earlier tests",
    )
    stream = watch(namespace=namespace)
    stream.initial()
    assert "watch: stream opened" in _last_watch_line(api)
    stream.close()
    closed = wait_for(
        lambda: "watch: stream closed" in (last := _last_watch_line(api)) and last,
        timeout=60,
        what="the server notices the client left",
    )
    assert "(0 open, 0 hub subscriptions)" in closed, closed


def test_watch_errors(api: Api) -> None:
    assert_problem(api.get(WATCH, {"resource": f"{GROUP}/nosuch"}), 404, "resource")
    assert_problem(api.get(WATCH), 400, "resource")
    assert_problem(
        api.get(WATCH, {"resource": RESOURCE, "labelSelector": "a in"}), 400, "labelSelector"
    )
    assert_problem(
        api.get(WATCH, {"resource": RESOURCE, "timeoutSeconds": "-1"}), 400, "timeoutSeconds"
    )
