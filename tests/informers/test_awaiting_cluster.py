"""Awaiting a controller against the real apiserver (issue 16, item 5).

A kind whose objects carry a status: the one without is InProgress ("waiting for a
controller"), then stuck after the kind's threshold, and Current once its status is
written. A kind where few objects carry a status stays Current, and so does a kind a
health rule opts out with ``awaitController: false``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import Engine, EngineSettings, KubeClient, State
from informers.awaiting import REASON
from tests.informers.kit import cluster_config, make_crd, obj, start_engine, wait_until

pytestmark = pytest.mark.cluster

READY: dict[str, Any] = {
    "conditions": [
        {
            "type": "Ready",
            "status": "True",
            "reason": "Ready",
            "message": "",
            "lastTransitionTime": "2024-01-01T00:00:00Z",
        }
    ]
}


def _create(
    kube: KubeHTTP, group: str, kind: str, plural: str, namespace: str, name: str, status: bool
) -> None:
    path = f"/apis/{group}/v1/namespaces/{namespace}/{plural}"
    kube.request("POST", path, body=obj(group=group, kind=kind, name=name, namespace=namespace))
    if status:
        _write_status(kube, f"{path}/{name}")


def _write_status(kube: KubeHTTP, path: str) -> None:
    kube.request("PATCH", f"{path}/status", body={"status": READY}, content_type=MERGE_PATCH)


def _state(engine: Engine, key: str, name: str) -> tuple[State, str] | None:
    informer = engine.informer(key)
    entry = informer.store.get(name) if informer is not None else None
    return (entry.status.state, entry.status.reason) if entry is not None else None


def test_a_bare_object_awaits_its_controller_then_is_stuck(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, namespace: str
) -> None:
    make_crd(kube, group=group, kind="Waiter", plural="waiters")
    # Listed first (names sort before the others), so its state is decided only after the
    # whole initial list has been counted.
    _create(kube, group, "Waiter", "waiters", namespace, "a-bare", status=False)
    for i in range(3):
        _create(kube, group, "Waiter", "waiters", namespace, f"w{i}", status=True)
    key = f"{group}/waiters"
    settings = EngineSettings(include_groups=(group,), stuck_after_by_kind={key: 2.0})
    engine = start_engine(control_plane, settings=settings)
    bare = f"{namespace}/a-bare"
    try:
        assert engine.wait_synced(60)
        assert _state(engine, key, bare) == (State.IN_PROGRESS, REASON)
        assert _state(engine, key, f"{namespace}/w0") == (State.CURRENT, "Ready")
        informer = engine.informer(key)
        assert informer is not None
        entry = informer.store.get(bare)
        assert entry is not None
        assert entry.status.rule == "generic/awaiting-controller"
        assert "waiting for a controller" in entry.status.message
        assert entry.since > time.time() - 600  # dated from its creation, not the epoch

        threshold = engine.settings.stuck_threshold(key)
        wait_until(
            lambda: (e := informer.store.get(bare)) is not None and e.stuck(time.time(), threshold),
            timeout=60,
            message="the bare Waiter is stuck after 2 s",
        )

        _write_status(kube, f"/apis/{group}/v1/namespaces/{namespace}/waiters/a-bare")
        wait_until(
            lambda: _state(engine, key, bare) == (State.CURRENT, "Ready"),
            timeout=30,
            message="the Waiter is Current once its controller wrote a status",
        )
    finally:
        engine.stop()


def test_learning_while_watching_republishes_the_bare_objects(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, namespace: str
) -> None:
    make_crd(kube, group=group, kind="Late", plural="lates")
    for i in range(2):
        _create(kube, group, "Late", "lates", namespace, f"s{i}", status=True)
    _create(kube, group, "Late", "lates", namespace, "bare", status=False)
    key = f"{group}/lates"
    engine = Engine(
        KubeClient(cluster_config(control_plane)), EngineSettings(include_groups=(group,))
    )
    published: list[tuple[str, State]] = []
    engine.add_change_listener(
        lambda c: published.append((c.key, c.new.status.state)) if c.new is not None else None
    )
    engine.start()
    bare = f"{namespace}/bare"
    try:
        assert engine.wait_synced(60)
        assert _state(engine, key, bare) == (State.CURRENT, "")  # two witnesses: not judged
        _create(kube, group, "Late", "lates", namespace, "s2", status=True)
        wait_until(
            lambda: (
                _state(engine, key, bare) == (State.IN_PROGRESS, REASON)
                and (bare, State.IN_PROGRESS) in published
            ),
            timeout=30,
            message="the third status teaches the kind, and the bare Late is republished",
        )
        seen = len(published)
        kube.request("DELETE", f"/apis/{group}/v1/namespaces/{namespace}/lates/s2")
        wait_until(
            lambda: (
                _state(engine, key, bare) == (State.CURRENT, "")
                and (bare, State.CURRENT) in published[seen:]
            ),
            timeout=30,
            message="back to two witnesses, republished",
        )
    finally:
        engine.stop()


def test_kinds_where_few_have_a_status_or_a_rule_opts_out_stay_current(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, namespace: str, tmp_path: Path
) -> None:
    make_crd(kube, group=group, kind="Config", plural="configs")
    _create(kube, group, "Config", "configs", namespace, "c-status", status=True)
    for i in range(3):
        _create(kube, group, "Config", "configs", namespace, f"c{i}", status=False)
    make_crd(kube, group=group, kind="Quiet", plural="quiets")
    for i in range(3):
        _create(kube, group, "Quiet", "quiets", namespace, f"q{i}", status=True)
    _create(kube, group, "Quiet", "quiets", namespace, "bare", status=False)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: test/quiet\n"
        f"    match: {{group: '{group}', kind: Quiet}}\n"
        "    cases:\n"
        "      - {when: 'false', state: Failed, reason: Never}\n"
        "    awaitController: false\n"
    )
    settings = EngineSettings(include_groups=(group,), health_rules_path=str(rules))
    engine = start_engine(control_plane, settings=settings)
    try:
        assert engine.wait_synced(60)
        for i in range(3):
            assert _state(engine, f"{group}/configs", f"{namespace}/c{i}") == (State.CURRENT, "")
        assert _state(engine, f"{group}/quiets", f"{namespace}/bare") == (State.CURRENT, "")
    finally:
        engine.stop()
