"""The ``/health-rules/`` page: rules in force, and the draft tester (Django client, real engine).

The result is HTML built from object values (an input may read an annotation), so hostile
text must arrive as text; a draft that does not compile shows its field and position; the
form is a POST, so Django's CSRF check applies.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from django.test import Client

from dashboard.core.rules import ruletester
from dashboard.core.web.ratelimit import RateLimiter
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP, WIDGET, sample_object
from informers import Engine
from informers.healthrules import HealthRulesSource
from tests.dashboard.ui.dom import Node, parse
from tests.dashboard.ui.test_pages import assert_csp_clean
from tests.informers.kit import wait_until

pytestmark = pytest.mark.cluster
PAGE = "/health-rules/"
HOSTILE = '"><img src=x onerror="alert(1)"><b>bold</b><a href="https://evil.example/">x</a>'
MARKUP = {"img", "b", "script"}


def draft(prefix: str) -> str:
    return f"""rules:
  - name: test/noted-widgets
    match: {{group: {GROUP}, kind: Widget}}
    inputs:
      name: object.metadata.name
      note: object.metadata.annotations["note"]
    cases:
      - when: name.startsWith("{prefix}")
        state: Failed
        reason: Noted
        message: note
"""


@pytest.fixture
def client() -> Client:
    return Client(REMOTE_ADDR="127.0.0.1")


@pytest.fixture(autouse=True)
def unlimited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test posts a few drafts: the per-user tester limit is tested on its own."""
    monkeypatch.setattr(ruletester, "rule_test_limiter", RateLimiter(rate=0, burst=0))


def _noted(kube: KubeHTTP, engine: Engine, namespace: str, prefix: str) -> str:
    name = f"{prefix}w"
    obj = sample_object(WIDGET, namespace=namespace, rng=random.Random(name))
    obj["metadata"].update(name=name, annotations={"note": HOSTILE})
    kube.request("POST", WIDGET.collection_path(namespace), body=obj)
    informer = engine.informer(f"{GROUP}/widgets")
    assert informer is not None
    wait_until(lambda: informer.store.get(f"{namespace}/{name}") is not None, timeout=10)
    return name


def _post(client: Client, rules: str) -> Node:
    response = client.post(
        PAGE, {"resource": f"{GROUP}/widgets", "rules": rules}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert HOSTILE not in html
    root = parse(html)
    assert not (root.tags() & MARKUP), root.tags()
    assert not any("evil.example" in a.attrs.get("href", "") for a in root.find_all("a"))
    return root


def test_page_shows_the_rules_in_force_and_the_form(live_engine: Engine, client: Client) -> None:
    response = client.get(PAGE, {"resource": f"{GROUP}/widgets"})
    assert response.status_code == 200
    html = response.content.decode()
    assert_csp_clean(html)
    root = parse(html)
    shipped = [li.text for li in root.find_all("li") if li.find_all("code", "chip")]
    assert "argo-cd/Application" in shipped
    (select,) = root.find_all("select")
    chosen = [o for o in select.find_all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in chosen] == [f"{GROUP}/widgets"]
    assert "at most 2,000 objects" in " ".join(html.split())
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_result_lists_changes_with_why_as_text(
    live_engine: Engine, kube: KubeHTTP, namespace: str, client: Client
) -> None:
    prefix = f"n{uuid.uuid4().hex[:6]}-"
    name = _noted(kube, live_engine, namespace, prefix)
    root = _post(client, draft(prefix))
    (summary,) = [p for p in root.find_all("p") if p.attrs.get("id") == "rt-summary"]
    assert "1 would change state" in summary.text
    (changes,) = [t for t in root.find_all("table") if t.attrs.get("id") == "rt-changes"]
    (row,) = changes.find_all("tr")[1:]
    cells = row.find_all("td")
    assert cells[0].find_all("a")[0].text == name
    assert "Failed" in cells[2].text and "Noted" in cells[2].text
    why = cells[2].find_all("div", "why-line")[0].text
    assert why.startswith(f'test/noted-widgets: name.startsWith("{prefix}") (name="{name}"')
    assert HOSTILE.replace('"', '\\"') in why  # the annotation, JSON-quoted, as text
    assert HOSTILE in cells[2].text  # the message, as text
    counts = {
        tr.attrs["data-state"]: [td.text for td in tr.find_all("td")[1:]]
        for tr in root.find_all("tr")
        if "data-state" in tr.attrs
    }
    before, after = (int(v.replace(",", "")) for v in counts["Failed"])
    assert after == before + 1


def test_a_bad_draft_shows_field_and_position(live_engine: Engine, client: Client) -> None:
    broken = draft("x").replace('name.startsWith("x")', 'name.startsWith("x"')
    root = _post(client, broken)
    texts = {n.attrs["id"]: n.text for n in root.iter() if n.attrs.get("id", "").startswith("rt-")}
    assert texts["rt-error-field"] == "rules[0].cases[0].when"
    assert texts["rt-error-position"].startswith("line 8, column ")
    assert "rt-changes" not in texts


def test_a_hostile_draft_is_echoed_as_text(live_engine: Engine, client: Client) -> None:
    root = _post(client, f"rules:\n  - name: {HOSTILE}\n")
    assert any(n.attrs.get("id") == "rt-error" for n in root.iter())


def test_an_unknown_kind_is_an_error_not_a_crash(live_engine: Engine, client: Client) -> None:
    response = client.post(PAGE, {"resource": "nope/nothings", "rules": draft("x")})
    assert response.status_code == 200
    assert "No watched kind nope/nothings." in response.content.decode()


def test_the_form_needs_the_csrf_token(live_engine: Engine) -> None:
    strict = Client(REMOTE_ADDR="127.0.0.1", enforce_csrf_checks=True)
    response = strict.post(PAGE, {"resource": f"{GROUP}/widgets", "rules": draft("x")})
    assert response.status_code == 403


def test_the_page_shows_the_rules_file_its_error_and_its_rules(
    live_engine: Engine, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(draft("x"))
    source = HealthRulesSource(str(path))
    assert source.load()
    monkeypatch.setattr(live_engine, "health_rules", source)
    root = parse(client.get(PAGE).content.decode())
    by_id = {n.attrs["id"]: n for n in root.iter() if "id" in n.attrs}
    assert by_id["user-rules"].text.split() == ["test/noted-widgets"]
    assert "file-error" not in by_id
    assert root.find_all("time"), "the load time is shown"

    path.write_text(draft("x").replace("state: Failed", "state: Broken"))
    assert not source.load()
    root = parse(client.get(PAGE).content.decode())
    by_id = {n.attrs["id"]: n for n in root.iter() if "id" in n.attrs}
    error = by_id["file-error"].text
    assert "rules[0].cases[0].state: line 9, column" in error
    assert "previous rules stay in force" in error
    assert by_id["user-rules"].text.split() == ["test/noted-widgets"]


def test_the_tester_is_rate_limited_per_user(
    live_engine: Engine, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ruletester, "rule_test_limiter", RateLimiter(rate=0.01, burst=2))
    body = {"resource": f"{GROUP}/widgets", "rules": draft("x")}
    for _ in range(2):
        assert client.post(PAGE, body, HTTP_HX_REQUEST="true").status_code == 200
    refused = parse(client.post(PAGE, body, HTTP_HX_REQUEST="true").content.decode())
    (message,) = [n for n in refused.iter() if n.attrs.get("id") == "rt-error-message"]
    assert message.text.startswith("too many rule tests; retry in ")
    response = client.post("/api/v1/health-rules/test", body, content_type="application/json")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert int(response["Retry-After"]) >= 1
    assert response.json()["type"] == "urn:crscope:problem:rate-limited"


def test_a_run_that_takes_too_long_stops_and_says_how_far_it_got(
    live_engine: Engine, kube: KubeHTTP, namespace: str
) -> None:
    _noted(kube, live_engine, namespace, "slow-a")
    _noted(kube, live_engine, namespace, "slow-b")
    informer = live_engine.informer(f"{GROUP}/widgets")
    assert informer is not None
    ticks = iter(range(0, 10**6, 4))  # each look at the clock: 4 s later
    outcome = ruletester.try_draft(
        draft("slow-"),
        engine=live_engine,
        informer=informer,
        namespaces={namespace},
        clock=lambda: float(next(ticks)),
    )
    assert outcome.total == 2
    assert outcome.evaluated == 1 and outcome.truncated  # 5 s: one object, then stopped
    assert sum(outcome.after.values()) == 1
