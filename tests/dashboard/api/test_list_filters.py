"""``/api/v1/resources/{group}/{plural}``: every filter and sort, and the 400s for bad ones."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from dashboard.api.openapi import dumps
from dashboard.api.schemas import ObjectList
from devkit.controlplane.samples import CLUSTER_POLICY, DATABASE, GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, assert_problem, list_path
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

WIDGETS = list_path(WIDGET)
Widgets = list[dict[str, Any]]  # apiserver bodies of the widgets a test made


@pytest.fixture
def five(api: Api, objects: Objects, namespace: str) -> Widgets:
    """Five widgets in a fresh namespace with known names, labels, sizes and states."""
    specs = [
        ("alpha", {"app": "web", "tier": "front"}, 10, "Ready"),
        ("bravo", {"app": "web", "tier": "back"}, 50, "Reconciling"),
        ("charlie", {"app": "db", "tier": "back"}, 30, "Stalled"),
        ("delta-web", {"app": "db"}, 20, "Ready"),
        ("echo", {"app": "cache"}, 40, "Ready"),
    ]
    made = []
    for name, labels, size, outcome in specs:
        obj = objects.create(
            WIDGET, namespace=namespace, name=name, labels=labels, spec={"size": size}
        )
        if outcome:
            obj = objects.set_outcome(WIDGET, obj, outcome)
        made.append(obj)
    wait_for(
        lambda: (
            _names(api, namespace=namespace, state=["Failed"]) == ["charlie"]
            and len(_names(api, namespace=namespace)) == 5
        ),
        what="the five widgets with their states",
    )
    return made


def _page(api: Api, **params: Any) -> dict[str, Any]:
    return api.json(WIDGETS, params)


def _names(api: Api, **params: Any) -> list[str]:
    return [item["name"] for item in _page(api, **params)["items"]]


def test_items_carry_identity_state_and_columns(api: Api, five: Widgets, namespace: str) -> None:
    item = _page(api, namespace=namespace, search="charlie")["items"][0]
    created = five[2]["metadata"]
    assert item["namespace"] == namespace
    assert item["uid"] == created["uid"]
    assert int(item["resourceVersion"]) >= int(created["resourceVersion"])
    assert item["generation"] == 1
    assert item["created"] == created["creationTimestamp"]
    assert item["state"]["state"] == "Failed"
    assert item["state"]["reason"] == "BackendError"
    assert "quota exceeded" in item["state"]["message"]
    assert item["state"]["since"].endswith("Z")
    assert item["state"]["stuck"] is False
    assert item["columns"] == {
        "Size": 30,
        "Color": five[2]["spec"]["color"],
        "Ready": "False",
        "Age": created["creationTimestamp"],
    }


def test_a_list_page_is_what_its_schema_would_produce(
    api: Api, five: Widgets, namespace: str
) -> None:
    """The list skips ninja's response validation for speed: the bytes must be the same
    as the validated-and-dumped body, and valid against the documented schema."""
    response = api.get(list_path(WIDGET), {"namespace": namespace, "limit": 3})
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    model = ObjectList.model_validate(body)
    assert orjson.loads(dumps(model.model_dump(by_alias=True))) == body
    assert len(body["items"]) == 3 and body["continue"]


def test_namespace_filter(api: Api, five: Widgets, namespace: str) -> None:
    assert len(_names(api, namespace=namespace)) == 5
    assert _names(api, namespace=f"{namespace}-other") == []


def test_label_selector(api: Api, five: Widgets, namespace: str) -> None:
    assert _names(api, namespace=namespace, labelSelector="app=web") == ["alpha", "bravo"]
    assert _names(api, namespace=namespace, labelSelector="app=web,tier!=front") == ["bravo"]
    selector = "app in (db,cache)"
    assert _names(api, namespace=namespace, labelSelector=selector) == [
        "charlie",
        "delta-web",
        "echo",
    ]
    assert _names(api, namespace=namespace, labelSelector="!tier") == ["delta-web", "echo"]


def test_state_filter_repeats(api: Api, five: Widgets, namespace: str) -> None:
    assert _names(api, namespace=namespace, state=["Failed"]) == ["charlie"]
    both = _names(api, namespace=namespace, state=["Failed", "InProgress"])
    assert both == ["bravo", "charlie"]
    current = _names(api, namespace=namespace, state="Current")
    assert current == ["alpha", "delta-web", "echo"]


def test_stuck_filter(api: Api, objects: Objects, namespace: str) -> None:
    path = list_path(DATABASE)
    slow = objects.create(DATABASE, namespace=namespace, name="slow")
    objects.set_outcome(DATABASE, slow, "Reconciling")
    done = objects.create(DATABASE, namespace=namespace, name="done")
    objects.set_outcome(DATABASE, done, "Ready")

    def names(stuck: str) -> list[str]:
        return [
            i["name"] for i in api.json(path, {"namespace": namespace, "stuck": stuck})["items"]
        ]

    # The test server calls Databases stuck after 2 s InProgress.
    wait_for(lambda: names("true") == ["slow"], what="slow is stuck")
    assert names("false") == ["done"]
    item = api.json(path, {"namespace": namespace, "search": "slow"})["items"][0]
    assert item["state"] == {**item["state"], "state": "InProgress", "stuck": True}


def test_search_matches_name_substrings_in_any_case(
    api: Api, five: Widgets, namespace: str
) -> None:
    assert _names(api, namespace=namespace, search="WEB") == ["delta-web"]
    assert _names(api, namespace=namespace, search="a") == [
        "alpha",
        "bravo",
        "charlie",
        "delta-web",
    ]


def test_sorts(api: Api, five: Widgets, namespace: str) -> None:
    ns = {"namespace": namespace}
    assert _names(api, **ns) == ["alpha", "bravo", "charlie", "delta-web", "echo"]
    assert _names(api, **ns, sort="-name") == ["echo", "delta-web", "charlie", "bravo", "alpha"]
    assert _names(api, **ns, sort="Size") == ["alpha", "delta-web", "charlie", "echo", "bravo"]
    assert _names(api, **ns, sort="-Size") == ["bravo", "echo", "charlie", "delta-web", "alpha"]
    by_state = _names(api, **ns, sort="-state")
    assert by_state[:2] == ["charlie", "bravo"]  # Failed, then InProgress: worst first
    assert sorted(by_state[2:]) == ["alpha", "delta-web", "echo"]
    youngest = _names(api, **ns, sort="age")
    stamps = [i["created"] for i in _page(api, **ns, sort="age")["items"]]
    assert stamps == sorted(stamps, reverse=True), youngest
    assert _names(api, **ns, sort="namespace") == _names(api, **ns, sort="name")


def test_limit_default_and_cap(api: Api, objects: Objects, namespace: str) -> None:
    for i in range(3):
        objects.create(CLUSTER_POLICY, namespace=None, name=f"{namespace}-p{i}")
    path = list_path(CLUSTER_POLICY)
    wait_for(
        lambda: len(api.json(path, {"search": namespace})["items"]) == 3,
        what="three policies",
    )
    page = api.json(path, {"search": namespace, "limit": 2})
    assert len(page["items"]) == 2 and page["total"] == 3 and page["continue"]
    assert all(i["namespace"] is None for i in page["items"])
    whole = api.json(path, {"limit": 100000})  # capped, not refused
    assert len(whole["items"]) == min(whole["total"], 1000)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("labelSelector", "app in"),
        ("labelSelector", "=x"),
        ("limit", "0"),
        ("limit", "ten"),
        ("continue", "not-a-token"),
        ("sort", "nosuchcolumn"),
        ("sort", "-"),
        ("state", "Broken"),
        ("state", "failed"),
        ("stuck", "maybe"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api: Api, param: str, value: str) -> None:
    body = assert_problem(api.get(WIDGETS, {param: value}), 400, param)
    assert body["type"].endswith("bad-parameter")


def test_a_token_from_another_query_is_refused(api: Api, five: Widgets, namespace: str) -> None:
    token = _page(api, namespace=namespace, limit=2)["continue"]
    assert token
    assert_problem(
        api.get(WIDGETS, {"namespace": namespace, "limit": 2, "sort": "-name", "continue": token}),
        400,
        "continue",
    )
    assert_problem(
        api.get(list_path(DATABASE), {"namespace": namespace, "limit": 2, "continue": token}),
        400,
        "continue",
    )
    # the same query with another page size is the same query: the token stays valid
    assert _page(api, namespace=namespace, limit=3, **{"continue": token})["items"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/resources/{GROUP}/nosuchplural",
        "/api/v1/resources/no.such.group/widgets",
        f"/api/v1/resources/{GROUP}/widgets/namespaces/default/x/nosuchsub",
        "/api/v2/resources",
        "/api/",
    ],
)
def test_unknown_kinds_and_paths_are_404_problems(api: Api, path: str) -> None:
    assert_problem(api.get(path), 404)


def test_a_change_shows_in_the_next_identical_list(
    api: Api, objects: Objects, namespace: str
) -> None:
    """Identical list requests share a computed page; a change must invalidate it at once."""
    first = objects.create(WIDGET, namespace=namespace, name="first")
    objects.shown(WIDGET, first)
    assert _names(api, namespace=namespace) == ["first"]  # computed, then memoized
    second = objects.create(WIDGET, namespace=namespace, name="second")
    objects.shown(WIDGET, second)
    assert _names(api, namespace=namespace) == ["first", "second"]
