"""Run several notify "replicas" against one database (``python -m``, DATABASE_URL set).

Why a subprocess: the test session's Django is bound to SQLite; the scale-out guarantee
(each notification sent once, windows shared) is about concurrent transactions on
PostgreSQL, so this script starts Django on the given database and runs each replica in
its own thread with its own connection. Every replica records the same transitions, as
replicas watching the same cluster do, then drains the outbox. It prints a JSON summary.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
os.environ["CRSCOPE_ENGINE"] = "off"


def main(receiver_url: str, replicas: int, objects: int) -> dict[str, object]:
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dashboard.notify import dispatcher
    from dashboard.notify.matching import match_change
    from dashboard.notify.models import SENT, Delivery, Notification, Occurrence
    from dashboard.notify.options import NotifyOptions
    from dashboard.notify.rules import parse_rules
    from dashboard.notify.worker import OutboxWorker
    from tests.dashboard.notify.kit import change, widget

    call_command("migrate", verbosity=0)
    rules = parse_rules(
        f"destinations:\n  - {{name: hook, type: webhook, url: '{receiver_url}'}}\n"
        "rules:\n"
        "  - {name: each, trigger: {state: Failed}, destinations: [hook]}\n"
        "  - {name: grouped, trigger: {state: Failed}, debounce: 10s, group: true,"
        " destinations: [hook]}\n"
    )
    assert rules.errors == (), rules.errors
    hits = [
        hit
        for i in range(objects)
        for hit in match_change(
            rules.rules,
            change(widget(f"w{i}", state="InProgress"), widget(f"w{i}", state="Failed", rv="2")),
        )
    ]
    options = NotifyOptions(retry_base_seconds=0.1, retry_max_seconds=0.5, poll_seconds=0.02)
    workers = [
        OutboxWorker(options=options, rules=lambda: rules, worker_id=f"replica-{i}")
        for i in range(replicas)
    ]
    start = threading.Barrier(replicas)
    errors: list[str] = []

    def run(worker: OutboxWorker) -> None:
        try:
            start.wait()
            for hit in hits:
                dispatcher.record(hit)
            deadline = time.monotonic() + 30
            while Delivery.objects.exclude(status=SENT).exists() and time.monotonic() < deadline:
                worker.tick()
                time.sleep(0.02)
            worker.stop(timeout=5)
        except Exception as exc:  # reported to the test, which fails with it
            errors.append(f"{worker.id}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "errors": errors,
        "vendor": connection.vendor,
        "notifications": Notification.objects.count(),
        "occurrences": Occurrence.objects.count(),
        "grouped_count": list(
            Notification.objects.filter(rule="grouped").values_list("count", flat=True)
        ),
        "sent": Delivery.objects.filter(status=SENT).count(),
        "nids": list(Notification.objects.values_list("nid", flat=True)),
        "by_worker": [w.sent for w in workers],
    }


if __name__ == "__main__":
    url, count, objects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(main(url, count, objects)))
