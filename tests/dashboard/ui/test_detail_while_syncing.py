"""An object not cached yet is not a deleted object (while its kind syncs).

Why: a dashboard that has just started (or whose engine was started anew under an open
page) has history for objects its cache has not reached. Read as "not in the cache, so
take the last recorded row", a live object showed the "deleted" banner and its restore
page offered to re-create it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from dashboard.core.auth.viewer import SERVER
from dashboard.core.runtime.adapter import adapter
from dashboard.history.models import Revision
from dashboard.ui.pages.detail.detail_feed import DetailFeed
from devkit.controlplane.kubehttp import KubeHTTP
from informers import Engine, Informer, KindFailure, Readiness
from tests.dashboard.ui.inprocess import cached_widget
from tests.informers.kit import pretend_syncing

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]
KIND = "demo.crscope.dev/widgets"


def _recorded(namespace: str, name: str, obj: dict[str, Any]) -> None:
    """A history row for the object, as the writer left it before a restart."""
    meta = obj["metadata"]
    Revision.objects.create(
        kind=KIND,
        uid=meta["uid"],
        namespace=namespace,
        name=name,
        resource_version=meta["resourceVersion"],
        rv_int=int(meta["resourceVersion"]),
        type="ADDED",
        observed=time.time() - 60,
        managers=[],
        changed_paths=[],
        state="Current",
        body=json.dumps(obj),
    )


@pytest.fixture
def syncing(live_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Informer]:
    """The Widgets informer reads as not synced, and its cache lost one object."""
    informer = pretend_syncing(monkeypatch, live_engine, KIND)
    yield informer


def test_pages_of_a_recorded_object_not_cached_yet_say_syncing_not_deleted(
    live_engine: Engine, kube: KubeHTTP, namespace: str, syncing: Informer
) -> None:
    created = cached_widget(kube, live_engine, namespace, "recorded")
    _recorded(namespace, "recorded", created)
    cached = syncing.store.delete(f"{namespace}/recorded")  # the new cache lacks it yet
    assert cached is not None
    client = Client(REMOTE_ADDR="127.0.0.1")
    base = f"/k/{KIND}/{namespace}/recorded/"
    for page in ("", "yaml/", "diff/", f"restore/?rev={Revision.objects.get(name='recorded').id}"):
        answer = client.get(base + page)
        text = answer.content.decode()
        assert answer.status_code == 503, (page, answer.status_code, text[:300])
        assert "Widget is still syncing; retrying." in text, page
        assert "deleted" not in text.lower(), page
    syncing.store.put(cached)


def test_an_open_page_keeps_its_object_while_its_kind_syncs_anew(
    live_engine: Engine, kube: KubeHTTP, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live feed of a page whose kind is being synced anew (an engine started again,
    a kind watched anew): its object is not in the new cache yet. The feed pushes nothing
    rather than the "deleted" banner, a feed built meanwhile sends nothing until the
    object is back, and then the whole page."""
    created = cached_widget(kube, live_engine, namespace, "kept")
    _recorded(namespace, "kept", created)
    params = {"kind": [KIND], "namespace": [namespace], "name": ["kept"]}
    open_page = DetailFeed(live_engine, SERVER, params)
    assert any('id="obj-header"' in piece for piece in open_page.full())
    informer = pretend_syncing(monkeypatch, live_engine, KIND)
    entry = informer.store.get(f"{namespace}/kept")
    assert entry is not None
    informer.store.delete(f"{namespace}/kept")
    assert open_page.update() == []
    reopened = DetailFeed(live_engine, SERVER, params)
    assert reopened.full() == [] and reopened.update() == []
    informer.store.put(entry)  # the sync reached it
    pushed = "".join(reopened.update())
    assert 'id="obj-header"' in pushed and "kept" in pushed
    assert "deleted" not in pushed.lower()


def test_pages_before_the_kinds_are_listed_say_so(
    live_engine: Engine, kube: KubeHTTP, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the CRDs are listed, an unknown kind may just be early: its pages say the
    cluster's kinds are still being discovered (503), and every page's frame says why."""
    monkeypatch.setattr(live_engine, "kinds_listed", lambda: False)
    client = Client(REMOTE_ADDR="127.0.0.1")
    for path in ("/k/early.crscope.test/notyets/", f"/k/early.crscope.test/notyets/{namespace}/x/"):
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.status_code)
        assert "Still discovering the cluster&#x27;s kinds; retrying." in answer.content.decode()
    monkeypatch.setattr(
        live_engine,
        "readiness",
        lambda: Readiness(ready=False, reasons=("CustomResourceDefinitions not synced",)),
    )
    monkeypatch.setattr(adapter, "error", None)  # a start attempt of another test may have set it
    home = client.get("/").content.decode()
    assert 'role="alert"><svg' in home and "CustomResourceDefinitions not synced" in home


def test_pages_of_a_kind_that_cannot_be_listed_say_why_not_syncing(
    live_engine: Engine,
    kube: KubeHTTP,
    namespace: str,
    syncing: Informer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kind whose list keeps failing (RBAC, a conversion webhook) never syncs: its object
    pages say why, as its list does, rather than "still syncing" forever."""
    failure = KindFailure(reason="forbidden", status=403, message="nope", since=0.0)
    monkeypatch.setattr(type(syncing), "unavailable", property(lambda self: failure))
    answer = Client(REMOTE_ADDR="127.0.0.1").get(f"/k/{KIND}/{namespace}/absent/")
    text = answer.content.decode()
    assert answer.status_code == 503, answer.status_code
    assert "The dashboard cannot list Widget (forbidden); retrying." in text
    assert "still syncing" not in text
