"""The store's name order stays sorted through adds, updates, deletes and relists."""

from __future__ import annotations

import random

from informers.status import State, Status
from informers.store import MAX_ORDERINGS, ORDERING_IDLE_SECONDS, Entry, Store


def entry(namespace: str | None, name: str, rv: int = 1) -> Entry:
    meta: dict[str, object] = {"name": name, "resourceVersion": str(rv)}
    if namespace:
        meta["namespace"] = namespace
    key = f"{namespace}/{name}" if namespace else name
    return Entry(key, {"metadata": meta}, Status(State.CURRENT, "", ""), 0.0)


def expected(store: Store) -> list[tuple[str, str]]:
    return sorted((e.name, e.key) for e in map(store.get, store.keys()) if e is not None)


def test_name_order_follows_random_writes() -> None:
    rng = random.Random(5)
    store = Store()
    live: set[tuple[str, str]] = set()
    for step in range(3000):
        ns, name = rng.choice(["a", "b", "zz"]), f"obj-{rng.randrange(400)}"
        if rng.random() < 0.3:
            store.delete(f"{ns}/{name}")
            live.discard((ns, name))
        else:
            store.put(entry(ns, name, step))  # an update of a live key keeps one pair
            live.add((ns, name))
    assert store.names_in_order() == expected(store)
    assert len(store.names_in_order()) == len(live) == len(store)


def test_a_name_search_follows_adds_deletes_and_relists() -> None:
    """Every pair whose name holds the needle, in name order, against a plain scan, while
    names come and go between searches (the text of names is rebuilt after each)."""
    rng = random.Random(8)
    store = Store()
    needles = ["obj-1", "-2", "j-3", "9", "ob", "obj-12x", "", "\n", "obj-"]
    for step in range(1500):
        ns, name = rng.choice(["a", "b"]), f"obj-{rng.randrange(300)}"
        if rng.random() < 0.3:
            store.delete(f"{ns}/{name}")
        else:
            store.put(entry(ns, name, step))
        if step % 50 == 0:
            for needle in needles:
                scan = [p for p in store.names_in_order() if needle in p[0]]
                assert store.names_containing(needle) == scan, (step, needle)
    store.replace([entry("c", "obj-100"), entry("c", "kept-obj-100")])
    assert store.names_containing("obj-100") == [
        ("kept-obj-100", "c/kept-obj-100"),
        ("obj-100", "c/obj-100"),
    ]
    assert store.names_containing("100\nkept") == []  # no name spans two


def test_replace_rebuilds_the_order_and_same_names_sort_by_key() -> None:
    store = Store()
    store.put(entry("x", "old"))
    store.replace([entry("b", "same"), entry("a", "same"), entry(None, "cluster-wide")])
    assert store.names_in_order() == [
        ("cluster-wide", "cluster-wide"),
        ("same", "a/same"),
        ("same", "b/same"),
    ]
    assert store.delete("x/old") is None  # dropped by the relist
    store.delete("a/same")
    assert store.names_in_order() == [("cluster-wide", "cluster-wide"), ("same", "b/same")]


def test_version_moves_with_every_write_and_only_then() -> None:
    """Readers key memos on ``version``: a write that left it alone would serve a page
    computed before the write."""
    store = Store()
    seen = [store.version]

    def wrote() -> None:
        assert store.version > seen[-1]
        seen.append(store.version)

    store.put(entry("a", "one"))
    wrote()
    store.put(entry("a", "one", rv=2))  # an update
    wrote()
    old = store.get("a/one")
    assert old is not None
    assert store.swap(old, entry("a", "one", rv=3))  # a re-evaluation
    wrote()
    assert not store.swap(old, entry("a", "one", rv=4))  # lost the race: no write
    assert store.version == seen[-1]
    store.delete("a/one")
    wrote()
    store.delete("a/one")  # nothing to delete
    assert store.version == seen[-1]
    store.replace([entry("b", "two")])  # a relist
    wrote()
    store.list()
    store.names_in_order()
    assert store.version == seen[-1]  # reads never move it


def owned(name: str, uid: str, *owners: str) -> Entry:
    meta: dict[str, object] = {"name": name, "namespace": "ns", "uid": uid}
    meta["ownerReferences"] = [{"uid": o, "kind": "K", "name": f"of-{o}"} for o in owners]
    return Entry(f"ns/{name}", {"metadata": meta}, Status(State.CURRENT, "", ""), 0.0)


def test_the_owner_index_follows_adds_updates_deletes_and_relists() -> None:
    """Random writes, then every owner's children from the index equal a full scan."""
    rng = random.Random(9)
    store = Store()
    uids = [f"u{i}" for i in range(30)]
    for step in range(3000):
        name = f"o-{rng.randrange(60)}"
        if rng.random() < 0.25:
            store.delete(f"ns/{name}")
        else:
            owners = rng.sample(uids, rng.randrange(3))
            store.put(owned(name, f"uid-{name}-{step % 3}", *owners))
        if step == 2000:
            store.replace([e for e in map(store.get, store.keys()) if e is not None][::2])
    entries = [e for e in map(store.get, store.keys()) if e is not None]
    for uid in uids:
        scanned = sorted(e.key for e in entries if uid in e.owner_uids)
        assert [e.key for e in store.children_of(uid)] == scanned
    for e in entries:
        assert store.by_uid(e.uid) is e
    assert store.by_uid("uid-never") is None


def test_malformed_owner_references_are_skipped() -> None:
    bad = Entry(
        "ns/x",
        {"metadata": {"name": "x", "ownerReferences": [None, {"uid": ""}, {"uid": "a"}, "b"]}},
        Status(State.CURRENT, "", ""),
        0.0,
    )
    assert bad.owner_uids == ("a",)
    assert Entry("k", {"metadata": {"ownerReferences": "no"}}, bad.status, 0.0).owner_uids == ()


def sized(name: str, size: int, rv: int = 1) -> Entry:
    obj = {"metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv)}}
    return Entry(f"ns/{name}", {**obj, "spec": {"size": size}}, Status(State.CURRENT, "", ""), 0.0)


class CountingKey:
    """A sort key by ``spec.size`` that counts how often it was computed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, e: Entry) -> tuple[int, str]:
        self.calls += 1
        return (int(e.obj["spec"]["size"]), e.key)


def test_an_ordering_is_built_once_then_kept_by_every_write() -> None:
    """The first ask sorts everything; after that a write costs one key for the object it
    wrote, and the next ask sorts nothing."""
    rng = random.Random(3)
    store = Store()
    for i in range(500):
        store.put(sized(f"o{i}", rng.randrange(20)))
    key = CountingKey()
    first = store.ordered("size", key)
    assert key.calls == 500
    assert first == sorted((0, int(e.obj["spec"]["size"]), e.key) for e in store.list())
    store.put(sized("o7", 999, rv=2))  # an update moves the object to the end
    store.delete("ns/o8")
    store.put(sized("new", -1))
    assert key.calls == 502  # the two objects written, nothing else
    again = store.ordered("size", key)
    assert key.calls == 502 and again is not None
    assert again[0] == (0, -1, "ns/new") and again[-1] == (0, 999, "ns/o7")
    assert "ns/o8" not in {item[-1] for item in again}
    assert again == sorted((0, int(e.obj["spec"]["size"]), e.key) for e in store.list())
    assert first != again  # the first snapshot was a copy; later writes left it alone


def test_a_relist_rebuilds_orderings_from_the_new_objects() -> None:
    store = Store()
    store.put(sized("gone", 1))
    key = CountingKey()
    store.ordered("size", key)
    store.replace([sized("a", 5), sized("b", 2)])
    assert store.ordered("size", key) == [(0, 2, "ns/b"), (0, 5, "ns/a")]


def full_of_orderings() -> tuple[list[float], Store, dict[int, CountingKey]]:
    """A store of one object on a settable clock (``now[0]``), holding MAX_ORDERINGS
    orderings named 0.. in the order asked, and the counting keys of one more."""
    now = [0.0]
    store = Store(clock=lambda: now[0])
    store.put(sized("a", 1))
    keys = {name: CountingKey() for name in range(MAX_ORDERINGS + 1)}
    for name in range(MAX_ORDERINGS):
        store.ordered(name, keys[name])
    return now, store, keys


def test_only_the_most_recently_asked_orderings_are_kept() -> None:
    """Each ordering costs memory and a bisect per write: beyond MAX_ORDERINGS the one
    asked for least recently goes, once idle, and is rebuilt if asked again."""
    now, store, keys = full_of_orderings()
    store.ordered(0, keys[0])  # 0 is now the most recent; 1 the least
    now[0] += ORDERING_IDLE_SECONDS + 1
    store.ordered(0, keys[0])
    assert store.ordered(MAX_ORDERINGS, keys[MAX_ORDERINGS]) is not None  # 1 goes
    store.put(sized("b", 2))
    assert keys[1].calls == 1  # no longer kept up to date
    assert all(keys[n].calls == 2 for n in keys if n != 1)
    now[0] += ORDERING_IDLE_SECONDS + 1
    store.ordered(1, keys[1])
    assert keys[1].calls == 3  # rebuilt: both objects


def test_a_full_store_refuses_a_new_ordering_while_the_kept_ones_are_in_use() -> None:
    """A build runs under the reflector's lock: a client cycling through more sorts than
    are kept must not make every request rebuild one. The caller sorts its matches."""
    now, store, keys = full_of_orderings()
    now[0] += ORDERING_IDLE_SECONDS - 1
    assert store.ordered(MAX_ORDERINGS, keys[MAX_ORDERINGS]) is None
    assert keys[MAX_ORDERINGS].calls == 0  # nothing was built
    assert store.ordered(0, keys[0]) is not None  # the kept ones still answer
