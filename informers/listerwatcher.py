"""The reflector's source as a seam: list one page, or watch from a resourceVersion.

Why: client-go's reflector does not talk HTTP; it takes a ``ListerWatcher`` (``Lister``
plus ``Watcher``, one method each), and its tests drive it with a fake one. The same
split here lets the reflector's rules (relist on 410, wait out a 429, resume a closed
watch without a relist) be tested in-process with ``informers.testing``, while
``ResourceListerWatcher`` turns the options into exactly the query the reflector sent
before, over ``KubeClient``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from informers.listwatch import DEFAULT_READ_TIMEOUT, KubeClient

Params = dict[str, str | int | bool]


@dataclass(frozen=True, slots=True)
class ListOptions:
    """One LIST page: ``limit`` items from ``continue_token`` on (empty: the first page)."""

    limit: int
    continue_token: str = ""
    label_selector: str = ""
    field_selector: str = ""
    #: Seconds to wait for the answer (the client's read timeout, not a server option).
    request_timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """One WATCH from ``resource_version``; ``send_initial_events`` makes it a streaming list."""

    resource_version: str
    timeout_seconds: int
    allow_watch_bookmarks: bool = True
    send_initial_events: bool = False
    label_selector: str = ""
    field_selector: str = ""


class EventStream(Protocol):
    """Watch events as dicts (``type``, ``object``); ``close()`` from any thread ends them."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...
    def close(self) -> None: ...


class Lister(Protocol):
    def list(self, options: ListOptions) -> dict[str, Any]:
        """One page of the collection: a ``*List`` body with ``items`` and ``metadata``."""
        ...


class Watcher(Protocol):
    def watch(self, options: WatchOptions) -> EventStream:
        """Open a watch; an HTTP failure raises ``ApiError`` before any event."""
        ...


class ListerWatcher(Lister, Watcher, Protocol):
    """What a reflector reads from: one collection of one cluster."""


class ResourceListerWatcher:
    """A ``ListerWatcher`` for one collection path over ``KubeClient``.

    ``accept`` is the watch's (and the streaming list's) media type; ``list_accept`` the
    paged LIST's, which differ for metadata-only informers.
    """

    def __init__(
        self,
        client: KubeClient,
        path: str,
        *,
        accept: str = "application/json",
        list_accept: str | None = None,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
    ) -> None:
        self.client = client
        self.path = path
        self.accept = accept
        self.list_accept = list_accept or accept
        self.read_timeout = read_timeout

    def list(self, options: ListOptions) -> dict[str, Any]:
        params: Params = {**_selectors(options), "limit": options.limit}
        if options.continue_token:
            params["continue"] = options.continue_token
        return self.client.get(
            self.path, params, timeout=options.request_timeout, accept=self.list_accept
        )

    def watch(self, options: WatchOptions) -> EventStream:
        params: Params = dict(_selectors(options))
        if options.send_initial_events:
            params["sendInitialEvents"] = True
            params["resourceVersionMatch"] = "NotOlderThan"
        params["allowWatchBookmarks"] = options.allow_watch_bookmarks
        params["resourceVersion"] = options.resource_version
        params["timeoutSeconds"] = options.timeout_seconds
        return self.client.watch(
            self.path, params, read_timeout=self.read_timeout, accept=self.accept
        )


def _selectors(options: ListOptions | WatchOptions) -> Params:
    params: Params = {}
    if options.label_selector:
        params["labelSelector"] = options.label_selector
    if options.field_selector:
        params["fieldSelector"] = options.field_selector
    return params
