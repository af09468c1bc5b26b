"""The informer in-process: a fake ListerWatcher feeds it, its changes are recorded.

Why: the informer turns the reflector's raw events into store entries and ``Change``s
(status, changed paths, managers, tombstones). Those rules need no apiserver; the
engine convergence tests prove the same path end to end against the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from informers.changes import Change, ChangeType
from informers.informer import METADATA_ONLY_STATUS, Informer, InformerOptions
from informers.kinds import KindInfo
from informers.listwatch import ApiError
from informers.status import State
from informers.testing import (
    FakeClock,
    FakeListerWatcher,
    Watch,
    added,
    bookmark,
    deleted,
    gadget,
    gone,
    gone_event,
    modified,
    page,
    run_until_exhausted,
    server_error,
)
from tests.informers.kit import wait_until

GADGETS = KindInfo(
    group="t.crscope.test", version="v1", kind="Gadget", plural="gadgets", namespaced=True
)
#: A paged LIST, then watches: the script's shape (a streaming list reads differently).
PAGED = InformerOptions(list_mode="paged")


def _ready(name: str, rv: int, *, size: int = 1, namespace: str = "default") -> dict[str, Any]:
    condition = {"type": "Ready", "status": "True", "reason": "Done", "message": ""}
    return gadget(
        name,
        rv,
        namespace=namespace,
        spec={"size": size},
        status={"conditions": [condition]},
    )


def _managed_by(obj: dict[str, Any], owners: dict[str, str]) -> dict[str, Any]:
    """managedFields giving each manager one spec field, all stamped the same second."""
    obj["metadata"]["managedFields"] = [
        {
            "manager": manager,
            "operation": "Update",
            "apiVersion": "t.crscope.test/v1",
            "time": "2026-01-01T00:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {f"f:{field}": {}}},
        }
        for field, manager in owners.items()
    ]
    return obj


def _edited_by(obj: dict[str, Any], manager: str) -> dict[str, Any]:
    return _managed_by(obj, {"size": manager})


def _sync(
    pages: list[Any],
    watches: list[Any],
    options: InformerOptions | None = None,
    *,
    listeners: tuple[Callable[[Change], None], ...] = (),
    before: Callable[[Informer], None] | None = None,
) -> tuple[Informer, list[Change]]:
    """Run the script to its end; ``before`` sees the informer before anything is listed."""
    changes: list[Change] = []
    clock = FakeClock()
    source = FakeListerWatcher(pages=pages, watches=watches, clock=clock)
    informer = Informer(
        GADGETS,
        lister_watcher=source,
        clock=clock,
        listeners=[changes.append, *listeners],
        options=options or PAGED,
    )
    if before is not None:
        before(informer)
    run_until_exhausted(informer.reflector, source)
    return informer, changes


def test_the_initial_list_fills_the_store_with_evaluated_states() -> None:
    failing = {"type": "Ready", "status": "False", "reason": "Failed", "message": "boom"}
    b = gadget("b", 6, status={"conditions": [failing]})
    informer, changes = _sync([page([_ready("a", 5), b], rv=10)], [])
    states = {e.key: e.status.state for e in informer.store.list()}
    assert states == {"default/a": State.CURRENT, "default/b": State.FAILED}
    assert [(c.type, c.key, c.initial) for c in changes] == [
        (ChangeType.ADDED, "default/a", True),
        (ChangeType.ADDED, "default/b", True),
    ]
    assert informer.sync_progress.loaded == informer.sync_progress.total == 2


def test_a_watched_update_says_what_changed_and_who_changed_it() -> None:
    update = _edited_by(_ready("a", 11, size=3), "kubectl-edit")
    informer, changes = _sync([page([_ready("a", 5)], rv=10)], [Watch(modified(update))])
    change = changes[-1]
    assert change.type == ChangeType.MODIFIED and change.initial is False
    assert change.changed_paths == ("/spec/size",)
    assert change.managers == ("kubectl-edit",)
    stored = informer.store.get("default/a")
    assert stored is not None and stored.obj["spec"] == {"size": 3}
    assert "managedFields" not in stored.obj["metadata"], "managedFields are not cached"


def test_a_watched_delete_empties_the_store_and_carries_the_last_state() -> None:
    informer, changes = _sync([page([_ready("a", 5)], rv=10)], [Watch(deleted(_ready("a", 12)))])
    assert informer.store.get("default/a") is None
    assert changes[-1].type == ChangeType.DELETED and changes[-1].old is not None
    assert changes[-1].tombstone is False


def test_a_relist_emits_only_what_changed_and_tombstones_what_vanished() -> None:
    pages = [
        page([_ready("a", 5), _ready("b", 6), _ready("c", 7)], rv=10),
        page([_ready("a", 5), _ready("b", 16, size=2)], rv=20),
    ]
    informer, changes = _sync(pages, [gone()])
    relisted = [(c.type, c.key, c.tombstone) for c in changes[3:]]
    assert relisted == [
        (ChangeType.MODIFIED, "default/b", False),
        (ChangeType.DELETED, "default/c", True),
    ]
    assert sorted(e.key for e in informer.store.list()) == ["default/a", "default/b"]


def _recreated(obj: dict[str, Any]) -> dict[str, Any]:
    """The same name with a new uid: deleted and created again."""
    obj["metadata"]["uid"] += "-again"
    return obj


def test_a_relist_that_finds_a_name_recreated_ends_the_old_object_and_adds_the_new() -> None:
    """Deleted and created again while no watch ran (a 410, a dropped stream): the relist
    sees the same key with another uid. That is two objects, so the old one is tombstoned
    and the new one added; a MODIFIED would give the old object's history no end and the
    new one no start."""
    pages = [
        page([_ready("a", 5), _ready("b", 6)], rv=10),
        page([_ready("a", 5), _recreated(_ready("b", 16))], rv=20),
    ]
    informer, changes = _sync(pages, [gone()])
    relisted = [(c.type, c.key, c.tombstone, c.entry.uid) for c in changes[2:]]
    assert relisted == [
        (ChangeType.DELETED, "default/b", True, "uid-default-b"),
        (ChangeType.ADDED, "default/b", False, "uid-default-b-again"),
    ]
    added_b = changes[-1]
    assert added_b.old is None and added_b.changed_paths == ()
    stored = informer.store.get("default/b")
    assert stored is not None and stored.uid == "uid-default-b-again"


def test_a_watched_update_with_another_uid_ends_the_old_object_and_adds_the_new() -> None:
    """The same rule on the watch path, for a stream that skipped the DELETED."""
    again = _recreated(_ready("a", 11))
    _, changes = _sync([page([_ready("a", 5)], rv=10)], [Watch(modified(again))])
    assert [(c.type, c.tombstone, c.entry.uid) for c in changes[1:]] == [
        (ChangeType.DELETED, True, "uid-default-a"),
        (ChangeType.ADDED, False, "uid-default-a-again"),
    ]


def test_objects_of_excluded_namespaces_are_never_cached() -> None:
    options = InformerOptions(list_mode="paged", exclude_namespaces=frozenset({"kube-system"}))
    watch = Watch(added(_ready("c", 11, namespace="kube-system")))
    informer, changes = _sync(
        [page([_ready("a", 5), _ready("b", 6, namespace="kube-system")], rv=10)],
        [watch],
        options,
    )
    assert [e.key for e in informer.store.list()] == ["default/a"]
    assert [c.key for c in changes] == ["default/a"]


def test_a_metadata_only_kind_reports_no_reconcile_state() -> None:
    informer, _ = _sync(
        [page([_ready("a", 5)], rv=10)], [], InformerOptions(list_mode="paged", metadata_only=True)
    )
    entry = informer.store.get("default/a")
    assert entry is not None and entry.status == METADATA_ONLY_STATUS


def test_a_started_informer_follows_its_watch_on_its_own_thread_until_stopped() -> None:
    changes: list[Change] = []
    source = FakeListerWatcher(pages=[page([_ready("a", 5)], rv=10)], watches=[Watch(end="hang")])
    informer = Informer(GADGETS, lister_watcher=source, listeners=[changes.append], options=PAGED)
    informer.start()
    try:
        assert informer.wait_synced(30)
        wait_until(lambda: source.streams, timeout=30, message="watch opened")
        source.push(modified(_ready("a", 11, size=4)))
        wait_until(lambda: len(changes) == 2, timeout=30, message="update delivered")
    finally:
        informer.stop(timeout=30)
    assert not informer.reflector.metrics.errors
    assert source.streams[-1].closed, "stop closes the open watch"
    entry = informer.store.get("default/a")
    assert entry is not None and entry.resource_version == "11"


@pytest.mark.parametrize(
    ("failure", "failures", "reason"),
    [
        (ApiError(403, "Forbidden", "gadgets is forbidden"), 7, "forbidden"),
        (ApiError(403, "Forbidden", "gadgets is forbidden"), 2, None),  # within the grace
        (server_error(), 7, None),  # the apiserver's trouble: readiness must wait
    ],
)
def test_a_kind_that_cannot_be_listed_is_unavailable_once_past_the_grace(
    failure: ApiError, failures: int, reason: str | None
) -> None:
    options = InformerOptions(list_mode="paged", failure_grace=30.0)
    informer, _ = _sync([failure] * failures, [], options)
    # The backoff's virtual waits (0.8 s doubling) measure how long the failure lasted.
    unavailable = informer.unavailable
    assert (unavailable.reason if unavailable else None) == reason
    assert not informer.synced


class _Handed:
    """Records the objects each (re)list hands to ``Informer.replace``."""

    def __init__(self, informer: Informer) -> None:
        self.lists: list[list[dict[str, Any]]] = []
        #: per list, the names of the objects still holding managedFields when handed over
        #: (``replace`` strips them, so this is read before it runs)
        self.with_fields: list[list[str]] = []
        original = informer.replace

        def spy(objects: list[dict[str, Any]], resource_version: str) -> None:
            self.lists.append(list(objects))
            self.with_fields.append(
                [o["metadata"]["name"] for o in objects if "managedFields" in o["metadata"]]
            )
            original(objects, resource_version)

        informer.replace = spy  # type: ignore[method-assign]


@pytest.mark.parametrize("mode", ["paged", "stream"])
def test_a_relist_keeps_one_copy_of_each_unchanged_object(mode: str) -> None:
    """After a 410 most listed objects are the very versions already cached. Each one used
    to be held twice until the whole list was in (2.1-2.5x the steady memory at 10k-50k
    objects, managedFields included); now the cached object stands in for it as soon as
    it is parsed, and only changed objects arrive as new ones, with the managedFields that
    say who changed them."""
    first = [_edited_by(_ready("a", 5), "alice"), _edited_by(_ready("b", 6), "bob")]
    again = [_edited_by(_ready("a", 5), "alice"), _edited_by(_ready("b", 16, size=2), "carol")]
    pages: list[dict[str, Any] | BaseException]
    watches: list[Watch | BaseException]
    if mode == "paged":
        pages, watches = [page(first, rv=10), page(again, rv=20)], [gone()]
    else:
        streamed: list[Watch | BaseException] = [
            Watch(*map(added, first), bookmark(10, initial_events_end=True), gone_event()),
            Watch(*map(added, again), bookmark(20, initial_events_end=True)),
        ]
        pages, watches = [page([], rv=9), page([], rv=19)], streamed  # count hints first
    cached: dict[str, Any] = {}
    handed: list[_Handed] = []

    def remember(change: Change) -> None:  # what the first list cached
        if change.new is not None and len(handed[0].lists) == 1:
            cached[change.key] = change.new.obj

    informer, changes = _sync(
        pages,
        watches,
        InformerOptions(list_mode=mode),  # type: ignore[arg-type]
        listeners=(remember,),
        before=lambda informer: handed.append(_Handed(informer)),
    )
    (spy,) = handed
    assert len(spy.lists) == 2, "the 410 relisted"
    relisted = {o["metadata"]["name"]: o for o in spy.lists[1]}
    assert relisted["a"] is cached["default/a"]  # unchanged: the cached copy, not a second
    assert relisted["b"] is not cached["default/b"]  # changed: the new version
    modified_b = [c for c in changes if c.type == ChangeType.MODIFIED]
    assert [(c.key, c.managers) for c in modified_b] == [("default/b", ("carol",))]
    stored = informer.store.get("default/a")
    assert stored is not None and stored.obj is cached["default/a"]


@pytest.mark.parametrize("mode", ["paged", "stream"])
def test_a_relist_after_changes_holds_no_field_trees_and_still_names_who_changed_it(
    mode: str,
) -> None:
    """A relist after many changes used to hold every changed object with its
    managedFields until the whole list was in (they say who changed what, and only the
    end of the list compared them). Now the attribution is made as each object is parsed,
    against the cached version, and the field trees go at once.

    The case needs the trees themselves: both managers' entries keep their time and
    fields, so only the owner of the changed path (``color``, bob's) can be named."""
    owners = {"size": "alice", "color": "bob"}
    before = gadget("b", 6, spec={"size": 1, "color": "red"})
    after = gadget("b", 16, spec={"size": 1, "color": "blue"})
    first, again = [_managed_by(before, owners)], [_managed_by(after, owners)]
    pages: list[dict[str, Any] | BaseException]
    watches: list[Watch | BaseException]
    if mode == "paged":
        pages, watches = [page(first, rv=10), page(again, rv=20)], [gone()]
    else:
        pages = [page([], rv=9), page([], rv=19)]
        watches = [
            Watch(*map(added, first), bookmark(10, initial_events_end=True), gone_event()),
            Watch(*map(added, again), bookmark(20, initial_events_end=True)),
        ]
    handed: list[_Handed] = []
    _, changes = _sync(
        pages,
        watches,
        InformerOptions(list_mode=mode),  # type: ignore[arg-type]
        before=lambda informer: handed.append(_Handed(informer)),
    )
    (spy,) = handed
    assert len(spy.lists) == 2, "the 410 relisted"
    assert spy.with_fields[1] == [], "the changed object was held with its field trees"
    (change,) = [c for c in changes if c.type == ChangeType.MODIFIED]
    assert change.changed_paths == ("/spec/color",)
    assert change.managers == ("bob",)
    assert change.managed == changes[0].managed  # the same entries, summarized


def test_an_unchanged_object_evaluated_again_in_a_relist_keeps_its_managers() -> None:
    """A relist re-evaluates unchanged objects when what it learned about the kind changed
    (``awaiting.outdated``). The relist hands over the cached object, which has no
    managedFields left: its field-manager summary must survive, or its next change would
    be blamed on every manager."""
    pages = [page([_edited_by(_ready("a", 5), "alice")], rv=10)]
    pages.append(page([_edited_by(_ready("a", 5), "alice")], rv=20))

    def always_outdated(informer: Informer) -> None:
        informer.awaiting.outdated = lambda *_: True  # type: ignore[method-assign]

    _, changes = _sync(pages, [gone()], before=always_outdated)
    first, again = changes[0], changes[-1]
    assert again.type == ChangeType.MODIFIED and again.key == "default/a"
    assert first.managed and again.managed == first.managed
