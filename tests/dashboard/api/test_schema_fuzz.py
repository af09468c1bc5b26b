"""Schemathesis over the published OpenAPI schema, against the live server, via its CLI.

Why the CLI: it runs all of schemathesis' phases (explicit examples, the coverage phase's
boundary values and the fuzzing phase) and prints the number of generated cases, which this
test asserts. (Its pytest plugin's lazy fixture loader does not work with pytest 9.)

Why narrowed: random path parameters would only ever hit 404s, so the schema's
``group``/``plural``/``namespace``/``name`` and resourceVersion parameters are narrowed to
values that exist in this cluster before generating cases. Values outside them still come
up as negative cases and must be rejected. ``fuzz_hooks`` bounds every watch stream to at
most 1 s and checks each NDJSON line against the published ``WatchEvent`` schema.

Checks: all of them. Two expectations are widened, and only these: a valid-looking request
may be answered 400, because label selectors, continue tokens, sort columns and
resourceVersions are checked against the cluster's data, which a schema cannot express;
and ``/health?fail=true`` answers 503 by design (the gate), which is not a server error.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import CLUSTER_POLICY, DATABASE, GROUP, WIDGET
from tests.dashboard.api.client import Api, Objects, object_path
from tests.waiting import wait_for

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[3]
MIN_CASES = 500
EXAMPLES_PER_OPERATION = 40
ACCEPTED = '"2xx", "304", "400", "401", "403", "404", "409", "429"'
# Schema-violating requests must be rejected; an overlong URL's 414 is a rejection too.
REJECTED = (
    '"400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", '
    '"5xx"'
)
CONFIG = f"""
[checks.positive_data_acceptance]
expected-statuses = [{ACCEPTED}]

[checks.negative_data_rejection]
expected-statuses = [{REJECTED}]

[[operations]]
include-operation-id = "health"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]
checks.positive_data_acceptance.expected-statuses = [{ACCEPTED}, "503"]
"""


def _world(api: Api, kube: KubeHTTP) -> dict[str, list[str]]:
    """Live, edited and deleted objects in a fresh namespace: the values to narrow to."""
    namespace = f"t-{uuid.uuid4().hex[:8]}"
    kube.request("POST", "/api/v1/namespaces", body={"metadata": {"name": namespace}})
    objects = Objects(kube, api, random.Random(99))
    widget = objects.set_outcome(WIDGET, objects.create(WIDGET, namespace=namespace), "Stalled")
    widget = objects.patch(WIDGET, widget, {"spec": {"size": 3}})
    db = objects.set_outcome(DATABASE, objects.create(DATABASE, namespace=namespace), "Ready")
    gone = objects.create(WIDGET, namespace=namespace)
    policy = objects.create(CLUSTER_POLICY, namespace=None)
    for kind, obj in ((WIDGET, widget), (DATABASE, db), (WIDGET, gone), (CLUSTER_POLICY, policy)):
        objects.shown(kind, obj)
    objects.delete(WIDGET, gone)
    history = object_path(WIDGET, widget, "/history")
    items = wait_for(lambda: len(found := api.json(history)["items"]) >= 3 and found)
    versions = [item["resourceVersion"] for item in items]
    return {
        "group": [GROUP],
        "plural": ["widgets", "databases", "clusterpolicies"],
        "namespace": [namespace],
        "name": [o["metadata"]["name"] for o in (widget, db, gone, policy)],
        "resourceVersion": versions,
        "from": versions,
        "to": versions,
        "resource": [f"{GROUP}/widgets", f"{GROUP}/databases", f"{GROUP}/clusterpolicies"],
    }


def _narrow(raw: dict[str, Any], world: dict[str, list[str]]) -> dict[str, Any]:
    """Path parameters and RV/resource query parameters become enums of real values."""
    schema = copy.deepcopy(raw)
    for methods in schema["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                values = world.get(parameter["name"])
                if values and (parameter["in"] == "path" or parameter["name"] != "namespace"):
                    parameter["schema"] = {"type": "string", "enum": values}
    return schema


def _schemathesis(api: Api, schema: dict[str, Any], workdir: Path) -> tuple[int, str]:
    (workdir / "schema.json").write_text(json.dumps(schema))
    (workdir / "schemathesis.toml").write_text(CONFIG)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file", str(workdir / "schemathesis.toml"),
        "run", str(workdir / "schema.json"),
        "--url", api.url,
        # A browser's same-origin Origin: API writes without a bearer token need it.
        "--header", f"Origin: {api.url}",
        "--checks", "all",
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--seed", "20251125",
        # One worker: with two, hypothesis describes strategies by ast.parse() in parallel
        # threads, which CPython 3.11 can crash on ("AST constructor recursion depth").
        "--workers", "1",
        "--request-timeout", "20",
        "--suppress-health-check", "all",
        "--generation-database", "none",
        "--no-color",
    ]  # fmt: skip
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.dashboard.api.fuzz_hooks",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    return done.returncode, done.stdout + done.stderr


def test_schemathesis_finds_no_server_error_or_schema_violation(
    api: Api, kube: KubeHTTP, tmp_path: Path
) -> None:
    raw = api.json("/api/schema")
    code, output = _schemathesis(api, _narrow(raw, _world(api, kube)), tmp_path)
    summary = output[output.rfind("SUMMARY") :]
    assert code == 0, output[-8000:]
    generated = re.search(r"Test cases:\s*\n\s*(\d+) generated", summary)
    assert generated, summary
    cases = int(generated.group(1))
    print(f"schemathesis: {cases} generated cases")
    assert cases >= MIN_CASES, summary
    assert re.search(rf"Tested: {len(raw['paths'])}\b", summary), summary
    log = api.server.log_text()
    assert "api: unexpected error" not in log
    assert '" 500 ' not in log
