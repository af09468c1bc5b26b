"""End to end against the real apiserver: engine -> rules -> outbox -> a real HTTP receiver."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dashboard.core.auth.viewer import SERVER
from dashboard.notify import inbox
from dashboard.notify.models import SENT, Delivery, Notification
from dashboard.notify.options import NotifyOptions
from dashboard.notify.service import NotifyService
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import Engine, EngineSettings, KubeClient
from tests.dashboard.notify.receiver import Receiver
from tests.dashboard.sharedcache import read, wait_until
from tests.informers.kit import cluster_config, make_crd, obj
from tests.kube_events import post_event

pytestmark = [pytest.mark.cluster, pytest.mark.django_db(transaction=True)]

CONDITIONS = {
    "Current": {"type": "Ready", "status": "True", "reason": "Done"},
    "InProgress": {"type": "Reconciling", "status": "True", "reason": "Working"},
    "Failed": {"type": "Stalled", "status": "True", "reason": "CrashLoop", "message": "boom"},
}


class Server:
    """The parts of a dashboard process that matter here: an engine and the notify service."""

    def __init__(self, cp: ControlPlane, group: str, options: NotifyOptions) -> None:
        self.cp, self.group, self.options = cp, group, options
        self.engine: Engine | None = None
        self.service: NotifyService | None = None

    def start(self, **engine_settings: Any) -> NotifyService:
        settings = EngineSettings(include_groups=(self.group,), **engine_settings)
        self.engine = Engine(KubeClient(cluster_config(self.cp)), settings)
        self.service = NotifyService(self.options)
        self.service.attach(self.engine)  # before the engine starts, as lifecycle.py does
        self.engine.start()
        self.service.start()
        return self.service

    def synced(self, key: str) -> None:
        engine = self.engine
        assert engine is not None
        wait_until(
            lambda: (i := engine.informer(key)) is not None and i.synced,
            timeout=15,
            message=f"{key} synced",
        )

    def settle(self) -> None:
        """The service has nothing left in hand (queue empty and a quiet round done)."""
        service = self.service
        assert service is not None
        service.idle.clear()
        wait_until(service.idle.is_set, timeout=10, message="notify idle")

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()
        if self.service is not None:
            self.service.stop()


class Widgets:
    def __init__(self, kube: KubeHTTP, group: str, namespace: str) -> None:
        self.kube = kube
        self.base = f"/apis/{group}/v1/namespaces/{namespace}/widgets"
        self.group, self.namespace = group, namespace

    def create(self, name: str, state: str = "InProgress", **extra: Any) -> dict[str, Any]:
        created = self.kube.request(
            "POST",
            self.base,
            body=obj(group=self.group, kind="Widget", name=name, namespace=self.namespace, **extra),
        )
        self.set_state(name, state)
        return created

    def set_state(self, name: str, state: str, message: str = "") -> None:
        condition = dict(CONDITIONS[state])
        if message:
            condition["message"] = message
        self.kube.request(
            "PATCH",
            f"{self.base}/{name}/status",
            content_type=MERGE_PATCH,
            body={"status": {"observedGeneration": 1, "conditions": [condition]}},
        )


@pytest.fixture
def widgets(kube: KubeHTTP, group: str, namespace: str) -> Widgets:
    make_crd(kube, group=group, kind="Widget", plural="widgets")
    return Widgets(kube, group, namespace)


@pytest.fixture
def server_for(
    control_plane: ControlPlane,
    group: str,
    fast_options: NotifyOptions,
    rules_file: Callable[[str], Path],
) -> Iterator[Callable[[str], Server]]:
    servers: list[Server] = []

    def make(rules: str) -> Server:
        options = replace(fast_options, rules_path=str(rules_file(rules)))
        server = Server(control_plane, group, options)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def hook_rules(receiver: Receiver, rule: str) -> str:
    return (
        f"destinations:\n  - {{name: hook, type: webhook, url: '{receiver.url}'}}\n"
        f"rules:\n  - {rule}\n"
    )


def test_a_transition_to_failed_sends_exactly_one_webhook(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    receiver: Receiver,
    group: str,
    namespace: str,
) -> None:
    widgets.create("already-broken", "Failed")  # part of the start-up list: never notified
    server = server_for(
        hook_rules(receiver, "{name: failed, trigger: {state: Failed}, destinations: [hook]}")
    )
    server.start(events="off")
    server.synced(f"{group}/widgets")
    created = widgets.create("web")
    widgets.set_state("web", "Failed")
    wait_until(lambda: receiver.received, timeout=10, message="webhook")
    widgets.set_state("web", "Failed", message="still broken")  # stays Failed: no new message
    widgets.set_state("already-broken", "Failed", message="still broken")
    server.settle()
    wait_until(
        lambda: Delivery.objects.filter(status=SENT).count() == 1,
        timeout=5,
        message="delivery recorded",
    )
    server.settle()
    (got,) = receiver.received
    body = got.json
    assert body["rule"] == "failed"
    assert body["object"] == {
        "group": group,
        "version": "v1",
        "kind": "Widget",
        "plural": "widgets",
        "namespace": namespace,
        "name": "web",
        "uid": created["metadata"]["uid"],
    }
    assert body["old_state"]["state"] == "InProgress"
    new_state = body["new_state"]
    assert (new_state["state"], new_state["reason"], new_state["message"]) == (
        "Failed",
        "CrashLoop",
        "boom",
    )
    assert new_state["rule"] == "generic/stalled-condition"  # the why travels with the state
    assert new_state["why"].startswith("generic/stalled-condition: ")
    assert body["link"] == f"https://crscope.example/k/{group}/widgets/{namespace}/web/"
    assert got.nid == body["id"]


def test_a_flapping_object_sends_the_first_then_one_grouped_message(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    receiver: Receiver,
    group: str,
) -> None:
    server = server_for(
        hook_rules(
            receiver, "{name: flap, trigger: {state: Failed}, debounce: 5s, destinations: [hook]}"
        )
    )
    server.start(events="off")
    server.synced(f"{group}/widgets")
    widgets.create("flappy", "Current")
    for _ in range(3):
        widgets.set_state("flappy", "Failed")
        widgets.set_state("flappy", "Current")
    wait_until(lambda: len(receiver.received) >= 2, timeout=30, message="first, then grouped")
    server.settle()
    first, followers = sorted(receiver.bodies(), key=lambda body: body["count"])
    assert first["count"] == 1
    assert followers["count"] == 2
    assert followers["objects"][0]["occurrences"] == 2
    assert read(Notification.objects.count) == 2


def test_a_receiver_down_for_10s_gets_every_notification_after_it_recovers(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    receiver: Receiver,
    group: str,
) -> None:
    server = server_for(
        hook_rules(receiver, "{name: failed, trigger: {state: Failed}, destinations: [hook]}")
    )
    server.start(events="off")
    server.synced(f"{group}/widgets")
    receiver.down()
    names = [f"w{i}" for i in range(5)]
    for name in names:
        widgets.create(name)
        widgets.set_state(name, "Failed")
    wait_until(
        lambda: Delivery.objects.filter(attempts__gte=2).count() == 5,
        timeout=10,
        message="every delivery retried while the receiver is down",
    )
    assert not receiver.received
    receiver.up()
    wait_until(
        lambda: Delivery.objects.filter(status=SENT).count() == 5,
        timeout=10,
        message="all delivered after recovery",
    )
    ids = receiver.ids()
    expected = set(read(lambda: list(Notification.objects.values_list("nid", flat=True))))
    assert set(ids) == expected and len(expected) == 5, "none lost"
    assert {b["object"]["name"] for b in receiver.bodies()} == set(names)
    assert len(ids) <= 5 + 5, "duplicates only within at-least-once"


def test_pending_notifications_are_delivered_after_a_server_restart(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    receiver: Receiver,
    group: str,
) -> None:
    rules = hook_rules(receiver, "{name: failed, trigger: {state: Failed}, destinations: [hook]}")
    first = server_for(rules)
    first.start(events="off")
    first.synced(f"{group}/widgets")
    receiver.down()
    for name in ("a", "b"):
        widgets.create(name)
        widgets.set_state(name, "Failed")
    wait_until(
        lambda: Delivery.objects.filter(attempts__gte=1).count() == 2,
        timeout=10,
        message="pending after failed attempts",
    )
    first.stop()
    assert read(lambda: Delivery.objects.exclude(status=SENT).count()) == 2
    receiver.up()
    second = server_for(rules)
    second.start(events="off")
    wait_until(
        lambda: Delivery.objects.filter(status=SENT).count() == 2,
        timeout=10,
        message="sent by the restarted server",
    )
    assert {b["object"]["name"] for b in receiver.bodies()} == {"a", "b"}
    assert read(Notification.objects.count) == 2, "the start-up list added nothing"


def test_stuck_objects_reach_the_in_app_inbox_and_the_bell_hook(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    group: str,
) -> None:
    notices: list[inbox.Notice] = []
    inbox.on_notification(notices.append)
    try:
        server = server_for("rules:\n  - {name: slow, trigger: stuck}\n")
        server.start(events="off", stuck_after=1.0)
        server.synced(f"{group}/widgets")
        unread_before = read(lambda: inbox.unread_count(SERVER))
        widgets.create("slowpoke", "InProgress")
        wait_until(lambda: notices, timeout=10, message="in-app notification")
        (notice,) = notices
        assert notice.rule == "slow" and "slowpoke" in notice.summary
        assert read(lambda: inbox.unread_count(SERVER)) == unread_before + 1
        read(lambda: inbox.mark_read(SERVER))
        assert read(lambda: inbox.unread_count(SERVER)) == 0
        widgets.set_state("slowpoke", "InProgress", message="still going")  # same episode
        server.settle()
        service = server.service
        assert service is not None
        scans = service.scans
        wait_until(lambda: service.scans >= scans + 3, timeout=30, message="three more scans")
        server.settle()
        assert len(notices) == 1
    finally:
        inbox.remove_listener(notices.append)


def test_a_warning_event_notifies(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    receiver: Receiver,
    group: str,
    kube: KubeHTTP,
    namespace: str,
) -> None:
    server = server_for(
        hook_rules(
            receiver, "{name: warn, trigger: {event: {reason: 'Back*'}}, destinations: [hook]}"
        )
    )
    server.start()
    server.synced(f"{group}/widgets")
    widget = widgets.create("evented", "Current")
    meta = widget["metadata"]
    for reason, event_type in (("Pulled", "Normal"), ("BackOff", "Warning")):
        post_event(kube, widget, reason=reason, type_=event_type)
    wait_until(lambda: receiver.received, timeout=15, message="event webhook")
    server.settle()
    (body,) = receiver.bodies()
    assert body["objects"][0]["detail"]["event"]["reason"] == "BackOff"
    assert body["object"]["uid"] == meta["uid"]


def _replace(path: Path, text: str) -> None:
    """Swap the file in whole, as a ConfigMap update does. A plain write can be read half
    done: under load the poller once read it empty (a valid file with no rules), so the
    rules in force between the two looks were none."""
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)


def test_rules_reload_while_running(
    server_for: Callable[[str], Server],
    widgets: Widgets,
    receiver: Receiver,
    group: str,
) -> None:
    server = server_for(
        hook_rules(receiver, "{name: failed, trigger: {state: Failed}, destinations: [hook]}")
    )
    service = server.start(events="off")
    server.synced(f"{group}/widgets")
    path = Path(server.options.rules_path)
    _replace(path, "rules: [ {broken\n")
    wait_until(lambda: service.source().file_error, timeout=5, message="error shown")
    widgets.create("x")
    widgets.set_state("x", "Failed")
    wait_until(lambda: receiver.received, timeout=10, message="previous rules still active")
    _replace(path, hook_rules(receiver, "{name: created, trigger: created, destinations: [hook]}"))
    # Not just "no error": wait for the new rule itself to be in force.
    wait_until(
        lambda: [r.name for r in service.source().current.rules] == ["created"],
        timeout=15,
        message="the new rules in force",
    )
    widgets.create("y", "Current")
    wait_until(lambda: len(receiver.received) == 2, timeout=10, message="new rule fired")
    assert receiver.bodies()[1]["rule"] == "created"
