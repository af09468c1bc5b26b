"""Each shipped rule against its case, evaluated in process: no apiserver, no engine thread.

Why a twin of ``test_pack_cases.py``: that test proves a rule reads a status shape the
published CRD keeps (the apiserver prunes what its schema does not), and needs a control
plane with some sixty CRDs. This one proves the rule's meaning in milliseconds, so a wrong
edit to a pack file fails the first test run, and ``make mutants`` can run one case per
pack mutant without starting an apiserver. Both must agree: the object here is built the
way the apiserver would store it (generation 1, or 2 after a spec update) and evaluated by
``evaluate_status`` with the shipped pack, the function the informer calls.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from informers import State
from informers.healthrules import evaluate_status, shipped_rules
from informers.settings import EngineSettings
from tests.informers.healthpack.cases import Case, all_cases, case_files, crds_of


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A JSON merge patch (RFC 7386), as the case's ``update`` is sent to the apiserver."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def stored(case: Case) -> dict[str, Any]:
    """The case's object as the apiserver would hold it after the case's writes."""
    obj = copy.deepcopy(case.object)
    status = obj.pop("status", None)
    metadata = obj.setdefault("metadata", {})
    metadata.setdefault("namespace", f"pack-{case.file}")
    metadata["uid"] = f"uid-{case.file}-{metadata.get('name', '')}"
    metadata["generation"] = 1
    if case.update:
        before = copy.deepcopy(obj.get("spec"))
        _merge(obj, case.update)
        if obj.get("spec") != before:
            metadata["generation"] = 2
    if status is None:
        status = copy.deepcopy(_status_default(case))
    if status is not None:
        obj["status"] = status
    return obj


def _status_default(case: Case) -> Any:
    """The CRD schema's default for ``status``, which the apiserver fills in on create
    (Gateway API's kinds start with a "Waiting for controller" condition that way)."""
    files = [f for f in case_files() if f.stem == case.file]
    for crd in crds_of(files).values():
        spec = crd["spec"]
        if spec["group"] != case.group or spec["names"]["kind"] != case.kind:
            continue
        for version in spec["versions"]:
            if version["name"] == case.version:
                schema = version.get("schema", {}).get("openAPIV3Schema", {})
                return schema.get("properties", {}).get("status", {}).get("default")
    return None


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: c.id)
def test_pack_case_in_process(case: Case) -> None:
    obj = stored(case)
    rules = shipped_rules().for_object(obj)
    status = evaluate_status(obj, rules, failure_reasons=EngineSettings().failure_reasons)
    got = {"state": str(status.state), "reason": status.reason, "rule": status.rule}
    want = {k: case.expect[k] for k in ("state", "reason", "rule")}
    assert got == want, f"{status.rule}: {status.when} {dict(status.inputs)} -- {status.message}"
    if "message" in case.expect:
        assert case.expect["message"] in status.message
    assert status.state in State
