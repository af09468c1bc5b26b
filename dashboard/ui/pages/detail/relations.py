"""The relations tree on an object's page: owners up, children down, across watched kinds.

Why here and not in the engine: the engine indexes ownerReferences (``Engine.children``),
but what a viewer may see of the tree is the dashboard's rule. A node the viewer may not
``get`` is left out entirely (children), or shown only as the reference the visible
object itself carries, with no state, link or further owners (owners): a user who may not
see an object learns nothing about it beyond what the object they can see already says.

Bounded: owners up to ``MAX_DEPTH`` levels, children down to ``MAX_DEPTH`` levels, at
most ``MAX_CHILDREN`` per node and ``MAX_NODES`` in all, and an object met twice on a
path (an ownership cycle, which the garbage collector would otherwise resolve) is shown
once more, marked, and not followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard.core.auth.access import can_see
from dashboard.core.auth.viewer import Viewer
from dashboard.core.web import links
from informers import Engine, Entry, Informer, KindInfo

MAX_DEPTH = 3
MAX_CHILDREN = 50
MAX_NODES = 300


@dataclass
class Node:
    """One object in the tree; ``state`` None when crscope cannot tell (see ``note``)."""

    kind: str
    name: str
    namespace: str | None
    url: str | None = None
    state: str | None = None
    stuck: bool = False
    note: str = ""
    controller: bool = False
    #: the health rule's name for a reference that is not an ownerReference
    label: str = ""
    children: list[Node] = field(default_factory=list)
    more: int = 0


@dataclass
class Relations:
    owners: list[Node]
    children: list[Node]
    more: int = 0
    #: references the kind's health rules declare (``relations:``), e.g. claim -> composite
    references: list[Node] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.owners and not self.children and not self.references


class _Budget:
    """Nodes left to show, and the access answers already had during this one build (a
    cluster-scoped owner's children may span many namespaces: one review per pair)."""

    def __init__(self, who: Viewer) -> None:
        self.left = MAX_NODES
        self.who = who
        self._seen: dict[tuple[str, str | None], bool] = {}

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0

    def may_see(self, kind: KindInfo, namespace: str | None) -> bool:
        key = (kind.key, namespace)
        if key not in self._seen:
            self._seen[key] = can_see(self.who, kind, namespace)
        return self._seen[key]


def build(
    engine: Engine, *, who: Viewer, informer: Informer, entry: Entry, now: float
) -> Relations:
    budget = _Budget(who)
    seen = {entry.uid}
    owners = _owners(engine, entry, seen, 1, budget, now)
    children, more = _children(engine, entry.uid, seen, 1, budget, now)
    references = _references(engine, informer, entry, budget, now)
    return Relations(owners=owners, children=children, more=more, references=references)


def _node(engine: Engine, informer: Informer, entry: Entry, now: float, **extra: Any) -> Node:
    kind = informer.kind
    threshold = engine.settings.stuck_threshold(kind.key)
    return Node(
        kind=kind.kind,
        name=entry.name,
        namespace=entry.namespace,
        url=links.object_url(kind, entry.namespace, entry.name),
        state=entry.status.state.value,
        stuck=entry.stuck(now, threshold),
        **extra,
    )


def _owners(
    engine: Engine,
    entry: Entry,
    seen: set[str],
    depth: int,
    budget: _Budget,
    now: float,
) -> list[Node]:
    refs = entry.metadata.get("ownerReferences")
    result: list[Node] = []
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, Mapping) or not budget.take():
            continue
        result.append(_owner(engine, entry, ref, seen, depth, budget, now))
    return result


def _owner(
    engine: Engine,
    child: Entry,
    ref: Mapping[str, Any],
    seen: set[str],
    depth: int,
    budget: _Budget,
    now: float,
) -> Node:
    api_version, kind_name = str(ref.get("apiVersion", "")), str(ref.get("kind", ""))
    name, uid = str(ref.get("name", "")), str(ref.get("uid", ""))
    controller = ref.get("controller") is True
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    key = engine.lookup_kind(group, kind_name)
    informer = engine.informer(key) if key else None
    # An owner is in the same namespace as its child, or cluster-scoped.
    if informer is None:
        return Node(kind_name, name, None, note="not watched", controller=controller)
    namespace = child.namespace if informer.kind.namespaced else None
    if not budget.may_see(informer.kind, namespace):
        return Node(kind_name, name, namespace, note="not visible to you", controller=controller)
    found = informer.store.by_uid(uid) if uid else None
    if found is not None and (found.namespace != namespace or found.name != name):
        # A reference may name any uid: only the object it names, where its child can
        # be owned from, is its owner (else one in a namespace the viewer may not see).
        found = None
    if found is None:
        note = "not found: dangling" if informer.synced else "not loaded yet"
        return Node(kind_name, name, namespace, note=note, controller=controller)
    if uid in seen:
        return _node(engine, informer, found, now, note="cycle", controller=controller)
    node = _node(engine, informer, found, now, controller=controller)
    if depth < MAX_DEPTH:
        node.children = _owners(engine, found, seen | {uid}, depth + 1, budget, now)
    return node


def _children(
    engine: Engine,
    uid: str,
    seen: set[str],
    depth: int,
    budget: _Budget,
    now: float,
) -> tuple[list[Node], int]:
    if not uid:
        return [], 0
    visible = [
        (informer, child)
        for informer, child in engine.children(uid)
        if budget.may_see(informer.kind, child.namespace)
    ]
    visible.sort(key=lambda pair: (pair[0].kind.kind, pair[1].namespace or "", pair[1].name))
    result: list[Node] = []
    for informer, child in visible[:MAX_CHILDREN]:
        if not budget.take():
            break
        controller = _controls(child, uid)
        if child.uid in seen:
            result.append(_node(engine, informer, child, now, note="cycle", controller=controller))
            continue
        node = _node(engine, informer, child, now, controller=controller)
        if depth < MAX_DEPTH:
            node.children, node.more = _children(
                engine, child.uid, seen | {child.uid}, depth + 1, budget, now
            )
        result.append(node)
    return result, len(visible) - len(result)


def _references(
    engine: Engine, informer: Informer, entry: Entry, budget: _Budget, now: float
) -> list[Node]:
    """The objects the rule-declared paths of ``entry`` point at, resolved by name.

    Like an owner, a reference is what the visible object itself says, so it is shown;
    its state and link only when the viewer may see the target."""
    result: list[Node] = []
    for relation in informer.rules.relations:
        value: Any = entry.obj
        for step in relation.path:
            value = value.get(step) if isinstance(value, Mapping) else None
        refs = value if isinstance(value, list) else [value]
        for ref in refs:
            if not isinstance(ref, Mapping) or not ref.get("kind") or not ref.get("name"):
                continue
            if not budget.take():
                return result
            result.append(_reference(engine, budget, entry, ref, relation.name, now))
    return result


def _reference(
    engine: Engine, budget: _Budget, source: Entry, ref: Mapping[str, Any], label: str, now: float
) -> Node:
    api_version, kind_name = str(ref.get("apiVersion", "")), str(ref.get("kind", ""))
    name = str(ref["name"])
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    key = engine.lookup_kind(group, kind_name)
    informer = engine.informer(key) if key else None
    if informer is None:
        return Node(kind_name, name, None, note="not watched", label=label)
    namespace = None
    if informer.kind.namespaced:
        namespace = str(ref.get("namespace") or source.namespace or "") or None
    if not budget.may_see(informer.kind, namespace):
        return Node(kind_name, name, namespace, note="not visible to you", label=label)
    found = informer.store.get(f"{namespace}/{name}" if namespace else name)
    uid = ref.get("uid")
    if found is None or (uid and found.uid != uid):
        note = "not found" if informer.synced else "not loaded yet"
        return Node(kind_name, name, namespace, note=note, label=label)
    return _node(engine, informer, found, now, label=label)


def _controls(child: Entry, owner_uid: str) -> bool:
    refs = child.metadata.get("ownerReferences")
    return any(
        isinstance(r, Mapping) and r.get("uid") == owner_uid and r.get("controller") is True
        for r in (refs if isinstance(refs, list) else [])
    )
