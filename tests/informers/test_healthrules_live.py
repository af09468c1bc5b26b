"""A user's health rules file changes a kind's states live, against the real apiserver."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import MERGE_PATCH, KubeHTTP
from informers import Change, EngineSettings, State
from tests.informers.kit import make_crd, obj, start_engine, wait_until

pytestmark = pytest.mark.cluster

RULE = """\
rules:
  - name: mine/Gadget
    match: {{group: "{group}", kind: Gadget}}
    inputs:
      phase: object.status.phase
    cases:
      - when: phase == "Jammed"
        state: Failed
        reason: Jammed
        message: '"the gadget reports " + phase'
    stuckAfter: 45s
"""


def test_a_rules_file_changes_states_live_and_a_bad_edit_changes_nothing(
    control_plane: ControlPlane, kube: KubeHTTP, group: str, namespace: str, tmp_path: Path
) -> None:
    make_crd(kube, group=group, kind="Gadget", plural="gadgets")
    path = f"/apis/{group}/v1/namespaces/{namespace}/gadgets"
    for name, phase in (("g-jammed", "Jammed"), ("g-fine", "Spinning")):
        kube.request(
            "POST", path, body=obj(group=group, kind="Gadget", name=name, namespace=namespace)
        )
        kube.request(
            "PATCH",
            f"{path}/{name}/status",
            body={"status": {"phase": phase}},
            content_type=MERGE_PATCH,
        )
    rules_file = tmp_path / "health.yaml"
    rules_file.write_text("rules: []\n", encoding="utf-8")
    settings = EngineSettings(
        include_groups=(group,),
        health_rules_path=str(rules_file),
        health_rules_reload_seconds=0.2,
    )
    engine = start_engine(control_plane, settings=settings)
    key = f"{group}/gadgets"
    published: list[Change] = []
    lock = threading.Lock()

    def record(change: Change) -> bool:
        with lock:
            published.append(change)
        return False

    engine.hub.subscribe(record)
    try:
        wait_until(
            lambda: (i := engine.informer(key)) is not None and i.synced and len(i.store) == 2,
            timeout=30,
            message="gadgets cached",
        )
        informer = engine.informer(key)
        assert informer is not None
        jammed = f"{namespace}/g-jammed"
        before = informer.store.get(jammed)
        assert before is not None and before.status.state is not State.FAILED
        assert engine.settings.stuck_threshold(key) == 600.0

        rules_file.write_text(RULE.format(group=group), encoding="utf-8")
        wait_until(
            lambda: (
                (e := informer.store.get(jammed)) is not None and e.status.state is State.FAILED
            ),
            timeout=30,
            message="the rule made the jammed gadget Failed",
        )
        entry = informer.store.get(jammed)
        assert entry is not None
        assert (entry.status.reason, entry.status.rule) == ("Jammed", "mine/Gadget")
        assert entry.status.message == "the gadget reports Jammed"
        assert entry.status.inputs == (("phase", "Jammed"),)
        fine = informer.store.get(f"{namespace}/g-fine")
        assert fine is not None and fine.status.rule != "mine/Gadget"
        assert engine.settings.stuck_threshold(key) == 45.0
        # published like any state change, for the live pages and notifications
        wait_until(
            lambda: any(
                c.key == jammed and c.new is not None and c.new.status.state is State.FAILED
                for c in list(published)
            ),
            timeout=10,
            message="the state change was published",
        )
        assert engine.health_rules_status().user_rule_names == ("mine/Gadget",)

        # a broken edit: the error is reported with its position, the rule stays in force
        rules_file.write_text(
            RULE.format(group=group).replace('phase == "Jammed"', 'phase == "Jammed" &&'),
            encoding="utf-8",
        )
        wait_until(
            lambda: engine.health_rules_status().error is not None,
            timeout=30,
            message="the bad file was reported",
        )
        error = engine.health_rules_status().error or ""
        assert "rules[0].cases[0].when: line 7, column" in error
        current = informer.store.get(jammed)
        assert current is not None and current.status.rule == "mine/Gadget"

        # a new object is decided by the rule still in force
        kube.request(
            "POST", path, body=obj(group=group, kind="Gadget", name="g-new", namespace=namespace)
        )
        kube.request(
            "PATCH",
            f"{path}/g-new/status",
            body={"status": {"phase": "Jammed"}},
            content_type=MERGE_PATCH,
        )
        wait_until(
            lambda: (
                (e := informer.store.get(f"{namespace}/g-new")) is not None
                and e.status.state is State.FAILED
            ),
            timeout=30,
            message="a new jammed gadget is Failed under the kept rule",
        )

        # removing the rule gives the generic state back
        rules_file.write_text("rules: []\n", encoding="utf-8")
        wait_until(
            lambda: (
                (e := informer.store.get(jammed)) is not None and e.status.rule != "mine/Gadget"
            ),
            timeout=30,
            message="the jammed gadget went back to the generic rules",
        )
        assert engine.health_rules_status().error is None
    finally:
        engine.stop()
