"""Copy a kubectl command from an object's page, and a link to a filtered list.

Why a journey: the commands are only worth having if what lands on the clipboard is the
command a person would type, and a shell reads it as the words crscope meant: the fully
qualified resource, the name, the namespace and, where the kind's health rule names one,
the "reconcile now" annotation with a fresh value. So each copied text is pasted into
bash with the real kubectl against the real apiserver, and its effect checked. A copied
list link must open the same filters and sort for someone else, on the first page, even
when copied from page 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from playwright.sync_api import Page, expect

from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.controlplane.samples import GROUP, WIDGET
from devkit.dashboard_server import DashboardServer
from tests.browser.chromium import Watched
from tests.browser.live import LIST, clipboard_once, create_widget, open_object, wait_live
from tests.kubectl import Kubectl

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

WAIT = 30_000  # generous: the suite runs on loaded 2-core machines
RESOURCE = f"widgets.{GROUP}"
ANNOTATION = f"{GROUP}/reconcile-at"
RULES = f"""rules:
  - name: team/widget-reconcile
    match: {{group: {GROUP}, kind: Widget}}
    reconcile: {{annotation: {ANNOTATION}}}
    cases:
      - when: "false"
        state: Failed
        reason: Never
"""


@pytest.fixture(scope="module")
def with_rules(
    control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardServer]:
    """A dashboard whose health rules name a reconcile annotation for Widgets."""
    workdir = tmp_path_factory.mktemp("rules-dashboard")
    rules = workdir / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=workdir,
        extra_env={"CRSCOPE_INCLUDE_GROUPS": GROUP, "CRSCOPE_HEALTH_RULES": str(rules)},
    )
    server.start()
    yield server
    server.stop()


def _copy(page: Page, label: str, dashboard: DashboardServer) -> str:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)
    page.evaluate("navigator.clipboard.writeText('')")
    page.get_by_role("button", name=f"Copy the {label} command").click()
    expect(page.locator("#toast, .toast").first).to_contain_text(f"Copied the {label} command")
    return clipboard_once(page, lambda text: text != "")


def test_copied_commands_are_what_kubectl_needs(
    dashboard: DashboardServer, kube: KubeHTTP, kubectl: Kubectl, namespace: str, watched: Watched
) -> None:
    create_widget(kube, namespace, "cmd-a")
    page = watched.page
    open_object(page, f"{dashboard.url}{LIST}{namespace}/cmd-a/")
    wait_live(page, timeout=WAIT)
    panel = page.locator("#obj-commands")
    expect(panel.locator(".cmd dt")).to_have_text(["get", "describe", "edit"])
    target = f"{RESOURCE} cmd-a -n {namespace}"
    expect(panel.locator(".cmd-text")).to_have_text(
        [f"kubectl get {target} -o yaml", f"kubectl describe {target}", f"kubectl edit {target}"]
    )
    # The markup, not only what CSP lets run: three code elements, no other tags.
    assert panel.locator("code").count() == 3 and panel.locator("script, a").count() == 0

    copied = _copy(page, "get", dashboard)
    assert copied == f"kubectl get {target} -o yaml"
    done = kubectl.paste(copied)
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)
    assert (printed["metadata"]["name"], printed["metadata"]["namespace"]) == ("cmd-a", namespace)
    done = kubectl.paste(_copy(page, "describe", dashboard))
    assert done.returncode == 0 and "Name:         cmd-a" in done.stdout, done.stderr
    assert watched.errors == []


def test_reconcile_now_uses_the_annotation_the_rule_names(
    with_rules: DashboardServer, kube: KubeHTTP, kubectl: Kubectl, namespace: str, watched: Watched
) -> None:
    create_widget(kube, namespace, "cmd-b")
    page = watched.page
    open_object(page, f"{with_rules.url}{LIST}{namespace}/cmd-b/")
    wait_live(page, timeout=WAIT)
    row = page.locator("#obj-commands .cmd", has_text="reconcile now")
    expect(row).to_have_count(1, timeout=WAIT)
    expected = (
        f'kubectl annotate --overwrite {RESOURCE} cmd-b -n {namespace} {ANNOTATION}="$(date +%s)"'
    )
    expect(row.locator(".cmd-text")).to_have_text(expected)

    copied = _copy(page, "reconcile now", with_rules)
    assert copied == expected
    before = int(time.time())
    for _ in range(2):  # --overwrite: asking again works, with a new value
        done = kubectl.paste(copied)
        assert done.returncode == 0, done.stderr
    annotations = kube.request("GET", WIDGET.object_path("cmd-b", namespace))["metadata"][
        "annotations"
    ]
    value = annotations[ANNOTATION]
    assert value.isdigit() and int(value) >= before  # a fresh value, set by the shell


def test_a_copied_list_link_keeps_filters_and_sort_but_not_the_page(
    dashboard: DashboardServer, kube: KubeHTTP, namespace: str, watched: Watched
) -> None:
    for name in ("link-a", "link-b", "link-c"):
        create_widget(kube, namespace, name)
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=dashboard.url)
    page.goto(f"{dashboard.url}{LIST}?namespace={namespace}&sort=-name&limit=2")
    wait_live(page, timeout=WAIT)
    expect(page.locator("#rows tr")).to_have_count(2, timeout=WAIT)
    page.locator(".pager a", has_text="Next").click()
    expect(page.locator("#rows tr")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#rows tr")).to_contain_text("link-a")
    assert "continue=" in page.url

    page.evaluate("navigator.clipboard.writeText('')")
    page.get_by_role("button", name="Copy link").click()
    copied = clipboard_once(page, lambda text: text != "")
    parts = urlsplit(copied)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{dashboard.url}{LIST}"
    assert parse_qs(parts.query) == {"namespace": [namespace], "sort": ["-name"], "limit": ["2"]}

    other = page.context.new_page()
    other.goto(copied)
    expect(other.locator("#rows tr")).to_have_count(2, timeout=WAIT)
    expect(other.locator("#rows tr").first).to_contain_text("link-c")
    expect(other.locator("select[name=namespace]")).to_have_value(namespace)
    other.close()
    assert watched.errors == []
