"""What a watched kind is, read from its CRD: version choice, scope, columns, paths.

Why in-process: the registry decides which informers run from these facts alone; a CRD
dict is all a test needs.
"""

from __future__ import annotations

from informers.kinds import KindInfo, is_established, kind_from_crd
from informers.testing import crd


def test_the_storage_version_is_watched_unless_another_served_one_is_preferred() -> None:
    definition = crd("gadgets", versions=("v1", "v2"))
    kind = kind_from_crd(definition)
    assert kind is not None and (kind.version, kind.versions) == ("v2", ("v1", "v2"))
    preferred = kind_from_crd(definition, preferred_version="v1")
    assert preferred is not None and preferred.version == "v1"
    unknown = kind_from_crd(definition, preferred_version="v9")
    assert unknown is not None and unknown.version == "v2"


def test_a_crd_serving_nothing_or_without_names_is_no_kind_yet() -> None:
    serving_nothing = crd("gadgets")
    serving_nothing["spec"]["versions"][0]["served"] = False
    assert kind_from_crd(serving_nothing) is None
    nameless = crd("gadgets")
    nameless["spec"]["names"] = {}
    assert kind_from_crd(nameless) is None
    assert kind_from_crd({"spec": "hostile"}) is None


def test_printer_columns_scope_and_paths() -> None:
    definition = crd("gadgets")
    definition["spec"]["scope"] = "Cluster"
    definition["spec"]["versions"][0]["additionalPrinterColumns"] = [
        {"name": "Size", "jsonPath": ".spec.size", "type": "integer", "priority": 1},
        {"name": "No path"},
    ]
    kind = kind_from_crd(definition)
    assert kind is not None and not kind.namespaced and kind.scope == "Cluster"
    assert [(c.name, c.json_path, c.type, c.priority) for c in kind.columns] == [
        ("Size", ".spec.size", "integer", 1)
    ]
    assert kind.key == "t.crscope.test/gadgets" and kind.crd_uid == "uid-gadgets"
    assert kind.collection_path("ns") == "/apis/t.crscope.test/v1/gadgets", "cluster-scoped"


def test_namespaced_and_core_collection_paths() -> None:
    gadgets = KindInfo(
        group="g.test", version="v1", kind="Gadget", plural="gadgets", namespaced=True
    )
    assert gadgets.collection_path() == "/apis/g.test/v1/gadgets"
    assert gadgets.collection_path("a") == "/apis/g.test/v1/namespaces/a/gadgets"
    events = KindInfo(group="", version="v1", kind="Event", plural="events", namespaced=True)
    assert events.collection_path() == "/api/v1/events" and events.api_version == "v1"


def test_established_means_the_established_condition_is_true() -> None:
    assert is_established(crd("gadgets"))
    assert not is_established(crd("gadgets", established=False))
    assert not is_established({"status": {}})
