"""``ResourceListerWatcher`` sends the query the reflector sent before the seam existed.

Why: the adapter is the only place where the reflector's options become HTTP; a
parameter lost here (``allowWatchBookmarks``, ``resourceVersionMatch``) changes the
apiserver's behaviour silently. A recording client stands in for ``KubeClient``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from informers.listerwatcher import ListOptions, ResourceListerWatcher, WatchOptions
from informers.listwatch import KubeClient

PATH = "/apis/t.crscope.test/v1/gadgets"


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []

    def get(self, path: str, params: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("get", path, dict(params), kwargs))
        return {"items": []}

    def watch(self, path: str, params: Mapping[str, Any], **kwargs: Any) -> list[Any]:
        self.calls.append(("watch", path, dict(params), kwargs))
        return []


def _adapter(**kwargs: Any) -> tuple[ResourceListerWatcher, RecordingClient]:
    client = RecordingClient()
    return ResourceListerWatcher(cast(KubeClient, client), PATH, **kwargs), client


def test_a_list_page_asks_for_limit_and_continue_with_the_list_media_type() -> None:
    adapter, client = _adapter(accept="a/watch", list_accept="a/list")
    adapter.list(ListOptions(limit=500))
    adapter.list(ListOptions(limit=500, continue_token="t1", label_selector="app=x"))
    adapter.list(ListOptions(limit=1, request_timeout=30))
    assert client.calls == [
        ("get", PATH, {"limit": 500}, {"timeout": 60.0, "accept": "a/list"}),
        (
            "get",
            PATH,
            {"labelSelector": "app=x", "limit": 500, "continue": "t1"},
            {"timeout": 60.0, "accept": "a/list"},
        ),
        ("get", PATH, {"limit": 1}, {"timeout": 30, "accept": "a/list"}),
    ]


def test_a_watch_asks_for_bookmarks_from_its_resource_version() -> None:
    adapter, client = _adapter(read_timeout=7.0)
    adapter.watch(WatchOptions(resource_version="10", timeout_seconds=300))
    assert client.calls == [
        (
            "watch",
            PATH,
            {"allowWatchBookmarks": True, "resourceVersion": "10", "timeoutSeconds": 300},
            {"read_timeout": 7.0, "accept": "application/json"},
        )
    ]


def test_a_streaming_list_asks_for_initial_events_not_older_than_its_rv() -> None:
    adapter, client = _adapter()
    adapter.watch(
        WatchOptions(
            resource_version="",
            timeout_seconds=400,
            send_initial_events=True,
            field_selector="metadata.name=a",
        )
    )
    assert client.calls[0][2] == {
        "fieldSelector": "metadata.name=a",
        "sendInitialEvents": True,
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": True,
        "resourceVersion": "",
        "timeoutSeconds": 400,
    }
