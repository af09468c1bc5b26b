"""The outbox against a real local receiver: windows, retries, restarts, signatures, claims."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from dashboard.notify import dispatcher
from dashboard.notify.matching import Hit, match_change
from dashboard.notify.models import FAILED, PENDING, SENT, Delivery, Notification, Occurrence
from dashboard.notify.options import NotifyOptions
from dashboard.notify.rules import RuleSet, parse_rules
from dashboard.notify.worker import OutboxWorker
from tests.dashboard.notify.kit import change, widget
from tests.dashboard.notify.receiver import Receiver
from tests.informers.kit import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def ruleset(receiver: Receiver, rule: str, *, dest_extra: str = "") -> RuleSet:
    parsed = parse_rules(
        "destinations:\n"
        f"  - {{name: hook, type: webhook, url: '{receiver.url}'{dest_extra}}}\n"
        f"  - {{name: chat, type: slack, url: '{receiver.url.replace('/hook', '/slack')}'}}\n"
        f"rules:\n  - {rule}\n"
    )
    assert parsed.errors == ()
    return parsed


def failed_hit(rules: RuleSet, name: str = "w", rv: int = 2, *, old: str = "InProgress") -> Hit:
    (hit,) = match_change(
        rules.rules,
        change(widget(name, state=old, rv=str(rv - 1)), widget(name, state="Failed", rv=str(rv))),
    )
    return hit


def pump(
    worker: OutboxWorker, until: Callable[[], object], *, timeout: float, message: str
) -> None:
    def step() -> object:
        worker.tick()
        return until()

    wait_until(step, timeout=timeout, interval=0.02, message=message)


@pytest.fixture
def workers(fast_options: NotifyOptions) -> Iterator[Callable[..., OutboxWorker]]:
    made: list[OutboxWorker] = []

    def make(
        rules: RuleSet, options: NotifyOptions = fast_options, worker_id: str | None = None
    ) -> OutboxWorker:
        worker = OutboxWorker(options=options, rules=lambda: rules, worker_id=worker_id)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop(timeout=2)


def test_one_transition_is_one_signed_webhook_with_identity_and_link(
    receiver: Receiver, workers: Callable[..., OutboxWorker], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "topsecret")
    rules = ruleset(
        receiver,
        "{name: failed, trigger: {state: Failed}, destinations: [hook]}",
        dest_extra=", secret: {env: HOOK_SECRET}",
    )
    notification = dispatcher.record(failed_hit(rules))
    assert notification is not None
    delivery = Delivery.objects.get()
    assert delivery.status == PENDING, "stored in the outbox before anything is sent"
    worker = workers(rules)
    pump(worker, lambda: receiver.received, timeout=5, message="webhook received")
    pump(worker, lambda: Delivery.objects.get().status == SENT, timeout=5, message="sent")
    (got,) = receiver.received
    expected = "sha256=" + hmac.new(b"topsecret", got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-crscope-signature"], expected)
    assert got.headers["content-type"] == "application/json"
    body = got.json
    assert got.nid == body["id"] == notification.nid
    assert body["rule"] == "failed"
    assert body["object"] == {
        "group": "example.com",
        "version": "v1",
        "kind": "Widget",
        "plural": "widgets",
        "namespace": "prod",
        "name": "w",
        "uid": "uid-w",
    }
    assert body["old_state"]["state"] == "InProgress"
    new_state = body["new_state"]
    assert {k: new_state[k] for k in ("state", "reason", "message")} == {
        "state": "Failed",
        "reason": "CrashLoop",
        "message": "it broke",
    }
    assert set(new_state) == {"state", "reason", "message", "rule", "why"}
    assert body["link"] == "https://crscope.example/k/example.com/widgets/prod/w/"
    assert body["time"].endswith("Z") and body["count"] == 1
    assert "status" in " ".join(body["changed_paths"])


def test_the_same_transition_recorded_twice_is_stored_once(receiver: Receiver) -> None:
    rules = ruleset(receiver, "{name: failed, trigger: {state: Failed}}")
    hit = failed_hit(rules)
    assert dispatcher.record(hit) is not None
    assert dispatcher.record(hit) is None, "a second replica collides on the occurrence id"
    assert Notification.objects.count() == Occurrence.objects.count() == 1


def test_the_first_occurrence_goes_out_at_once(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    """A debounce window groups what follows a failure; it must not delay the failure itself."""
    rules = ruleset(
        receiver, "{name: flap, trigger: {state: Failed}, debounce: 10m, destinations: [hook]}"
    )
    assert dispatcher.record(failed_hit(rules, rv=2)) is not None
    worker = workers(rules)
    pump(worker, lambda: receiver.received, timeout=30, message="the first, before the window")
    (body,) = receiver.bodies()
    assert body["count"] == 1


def test_a_flapping_object_sends_the_first_then_one_message_with_the_count(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(
        receiver, "{name: flap, trigger: {state: Failed}, debounce: 60s, destinations: [hook]}"
    )
    # The first occurrence opened its window 58 s ago, so the followers' window closes soon.
    assert dispatcher.record(failed_hit(rules, rv=2), now=time.time() - 58) is not None
    for rv in range(4, 12, 2):
        assert dispatcher.record(failed_hit(rules, rv=rv)) is not None
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 2
    worker = workers(rules)
    pump(worker, lambda: receiver.received, timeout=10, message="the first message")
    worker.tick()
    assert len(receiver.received) == 1, "followers wait for the window to close"
    pump(worker, lambda: len(receiver.received) == 2, timeout=15, message="grouped followers")
    first, followers = sorted(receiver.bodies(), key=lambda b: b["count"])
    assert first["count"] == 1
    assert followers["count"] == 4 and followers["objects"][0]["occurrences"] == 4
    # Once the window is over, the next occurrence is a first again: sent at once.
    assert dispatcher.record(failed_hit(rules, rv=40)) is not None
    assert Notification.objects.count() == 3
    pump(worker, lambda: len(receiver.received) == 3, timeout=10, message="a new first")


def test_many_objects_in_one_window_are_grouped_into_one_message(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(
        receiver,
        "{name: many, trigger: {state: Failed}, debounce: 0.5s, "
        "group: true, destinations: [hook, chat]}",
    )
    for i in range(13):
        dispatcher.record(failed_hit(rules, name=f"w{i}"))
    worker = workers(rules)
    # The first failure goes out at once on each destination; the twelve after it, grouped.
    pump(worker, lambda: len(receiver.received) == 4, timeout=60, message="four messages")
    hooks = sorted(
        (r.json for r in receiver.received if r.path == "/hook"), key=lambda b: b["object_count"]
    )
    assert [h["object_count"] for h in hooks] == [1, 12]
    assert len(hooks[1]["objects"]) == 12
    slack = next(
        r.json for r in receiver.received if r.path == "/slack" and "12 objects" in r.json["text"]
    )
    assert set(slack) == {"text", "blocks"}
    assert "… and 2 more" in slack["blocks"][1]["text"]["text"]


def test_a_receiver_that_is_down_gets_everything_when_it_returns(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(receiver, "{name: failed, trigger: {state: Failed}, destinations: [hook]}")
    receiver.down()
    expected = {
        dispatcher.record(failed_hit(rules, name=f"w{i}")).nid  # type: ignore[union-attr]
        for i in range(5)
    }
    worker = workers(rules)
    pump(
        worker,
        lambda: Delivery.objects.filter(attempts__gte=2).count() == 5,
        timeout=10,
        message="retried while down",
    )
    errors = set(Delivery.objects.values_list("last_error", flat=True))
    assert all(e.startswith("connection failed") for e in errors), errors
    receiver.up()
    pump(
        worker,
        lambda: Delivery.objects.filter(status=SENT).count() == 5,
        timeout=10,
        message="all sent after recovery",
    )
    assert set(receiver.ids()) == expected


def test_http_errors_are_recorded_and_give_up_after_the_limit(
    receiver: Receiver, workers: Callable[..., OutboxWorker], fast_options: NotifyOptions
) -> None:
    rules = ruleset(receiver, "{name: failed, trigger: {state: Failed}, destinations: [hook]}")
    receiver.mode, receiver.fail_status = "fail", 500
    dispatcher.record(failed_hit(rules))
    worker = workers(rules, replace(fast_options, max_attempts=3))
    pump(worker, lambda: Delivery.objects.get().status == FAILED, timeout=10, message="failed")
    delivery = Delivery.objects.get()
    assert delivery.attempts == 3 and receiver.attempts == 3
    assert delivery.last_error == "HTTP 500: receiver says no"


def test_a_slow_destination_does_not_delay_another(
    receiver: Receiver, workers: Callable[..., OutboxWorker], fast_options: NotifyOptions
) -> None:
    """The slow destination answers only after 30 s; the fast one's three deliveries must all
    land while it still hangs. (A 2 s budget for them failed on a loaded machine.)"""
    slow = Receiver(mode="slow", delay=30.0).start()
    try:
        rules = parse_rules(
            "destinations:\n"
            f"  - {{name: slow, type: webhook, url: '{slow.url}'}}\n"
            f"  - {{name: fast, type: webhook, url: '{receiver.url}'}}\n"
            "rules:\n  - {name: r, trigger: {state: Failed}, destinations: [slow, fast]}\n"
        )
        for i in range(3):
            dispatcher.record(failed_hit(rules, name=f"w{i}"))
        worker = workers(rules, replace(fast_options, read_timeout=60.0))
        pump(worker, lambda: slow.attempts >= 1, timeout=25, message="the slow one is hanging")
        pump(worker, lambda: len(receiver.received) == 3, timeout=25, message="fast ones")
        assert len(slow.received) == 0  # all of that happened while the slow one hung
    finally:
        slow.stop()


def test_read_timeouts_are_recorded(
    receiver: Receiver, workers: Callable[..., OutboxWorker], fast_options: NotifyOptions
) -> None:
    rules = ruleset(receiver, "{name: r, trigger: {state: Failed}, destinations: [hook]}")
    receiver.mode, receiver.delay = "slow", 2.0
    dispatcher.record(failed_hit(rules))
    worker = workers(rules, replace(fast_options, read_timeout=0.3))
    pump(worker, lambda: Delivery.objects.get().attempts >= 1, timeout=5, message="attempted")
    assert Delivery.objects.get().last_error == "read timeout after 0.3s"


def test_pending_notifications_are_sent_by_the_next_worker_after_a_restart(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(receiver, "{name: r, trigger: {state: Failed}, destinations: [hook]}")
    ids = {
        dispatcher.record(failed_hit(rules, name=f"w{i}")).nid  # type: ignore[union-attr]
        for i in range(3)
    }
    # The previous process died while holding claims on every row.
    Delivery.objects.update(claimed_by="dead-process", claimed_until=time.time() + 3600)
    worker = workers(rules, worker_id="after-restart")
    assert worker.recover() == 3, "SQLite: one process, so old claims are void"
    Delivery.objects.update(claimed_by="dead-process", claimed_until=time.time() + 3600)
    # The stored rows, not the receiver: it counts a message before the worker records it.
    pump(
        worker,
        lambda: Delivery.objects.filter(status=SENT, claimed_by="").count() == 3,
        timeout=60,
        message="sent after restart, claims released",
    )
    assert set(receiver.ids()) == ids


def test_a_claim_is_respected_until_it_expires(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(receiver, "{name: r, trigger: {state: Failed}, destinations: [hook]}")
    dispatcher.record(failed_hit(rules))
    Delivery.objects.update(claimed_by="other-replica", claimed_until=time.time() + 1)
    worker = workers(rules)
    worker.recovered = True  # as on PostgreSQL: other replicas' claims are not released
    worker.tick()
    assert receiver.attempts == 0, "a live claim is respected"
    pump(worker, lambda: Delivery.objects.get().status == SENT, timeout=60, message="taken over")
    assert len(receiver.received) == 1


def test_two_workers_never_claim_the_same_delivery(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(receiver, "{name: r, trigger: {state: Failed}, destinations: [hook]}")
    for i in range(8):
        dispatcher.record(failed_hit(rules, name=f"w{i}"))
    a, b = workers(rules, worker_id="a"), workers(rules, worker_id="b")
    a.recovered = b.recovered = True  # two replicas: neither voids the other's claims

    def both() -> bool:
        a.tick()
        b.tick()
        return Delivery.objects.filter(status=SENT).count() == 8

    wait_until(both, timeout=10, message="all sent")
    assert sorted(receiver.ids()) == sorted(set(receiver.ids())), "no duplicates"
    assert len(receiver.ids()) == 8
    assert a.sent + b.sent == 8


def test_the_rate_limit_holds_messages_back_without_losing_them(
    receiver: Receiver, workers: Callable[..., OutboxWorker]
) -> None:
    rules = ruleset(
        receiver,
        "{name: r, trigger: {state: Failed}, destinations: [hook]}",
        dest_extra=", rate_limit: 2/s",
    )
    for i in range(6):
        dispatcher.record(failed_hit(rules, name=f"w{i}"))
    worker = workers(rules)
    # Only lower bounds on time: a loaded machine makes delivery slower, never faster.
    # (A 0.3 s sleep followed by "at most 3 so far" failed when the sleep overran.)
    pump(worker, lambda: len(receiver.received) == 6, timeout=60, message="all of them")
    span = receiver.received[-1].at - receiver.received[0].at
    assert span >= 1.5  # 2 at once, the other 4 at 2/s


def test_a_missing_secret_file_fails_the_attempt_with_the_reason(
    receiver: Receiver, workers: Callable[..., OutboxWorker], tmp_path: object
) -> None:
    rules = ruleset(
        receiver,
        "{name: r, trigger: {state: Failed}, destinations: [hook]}",
        dest_extra=", secret: {file: /nonexistent/secret}",
    )
    dispatcher.record(failed_hit(rules))
    worker = workers(rules)
    pump(worker, lambda: Delivery.objects.get().attempts >= 1, timeout=5, message="attempted")
    assert Delivery.objects.get().last_error.startswith("configuration: cannot read")
    assert receiver.attempts == 0


def test_tls_errors_are_recorded(receiver: Receiver, workers: Callable[..., OutboxWorker]) -> None:
    """An https:// URL that reaches a plain HTTP server fails the TLS handshake."""
    tls_url = receiver.url.replace("http://", "https://")
    rules = parse_rules(
        f"destinations:\n  - {{name: tls, type: webhook, url: '{tls_url}'}}\n"
        "rules:\n  - {name: r, trigger: {state: Failed}, destinations: [tls]}\n"
    )
    dispatcher.record(failed_hit(rules))
    worker = workers(rules)
    pump(worker, lambda: Delivery.objects.get().attempts >= 1, timeout=5, message="attempted")
    assert Delivery.objects.get().last_error.startswith("TLS error:")
    assert not receiver.received
