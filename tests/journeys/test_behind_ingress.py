"""Journey: an operator uses crscope through the ingress, signed in by the auth proxy.

nginx runs with the shipped Ingress's settings (tests/ingressproxy.py) and is the only
address the dashboard trusts for identity headers. The operator ("limited": Widgets in one
namespace) sees live updates through the proxy; the identity a client forges in headers
changes nothing; and when the proxy reloads (a config change, an ingress-nginx upgrade)
the page's socket is cut, and it reconnects by itself and resumes.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from dashboard.core.auth.identity import GROUPS_HEADER, USER_HEADER
from devkit.controlplane import ControlPlane
from devkit.controlplane.kubehttp import KubeHTTP
from devkit.dashboard_server import DashboardServer
from tests.browser.live import LIST, assert_not_reloaded, create_widget, mark_page, wait_live
from tests.ingressproxy import PROXY_ADDRESS, Identity, IngressSettings, Nginx, shipped_ingress
from tests.security.tokenmode import Grants

pytestmark = [pytest.mark.browser, pytest.mark.cluster]
PASSWORD = "proxy-signs-me-in"
FORGED = {
    USER_HEADER: "admin",
    GROUPS_HEADER: "system:masters",
    USER_HEADER.replace("-", "_"): "admin",  # WSGI-style servers read it as the same header
}


@pytest.fixture(scope="module")
def behind_proxy(
    control_plane: ControlPlane,
    sample_crds: list[str],
    grants: Grants,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DashboardServer, Nginx]]:
    server = DashboardServer(
        kubeconfig=control_plane.kubeconfig_path("admin"),
        workdir=tmp_path_factory.mktemp("proxied-dashboard"),
        extra_env={
            "CRSCOPE_AUTH_MODE": "proxy",
            "CRSCOPE_TRUSTED_PROXIES": f"{PROXY_ADDRESS}/32",
        },
    )
    server.start()
    identity = Identity(
        users={"limited": PASSWORD}, user_header=USER_HEADER, groups_header=GROUPS_HEADER
    )
    # A short worker-shutdown-timeout, so the reload test need not wait ingress-nginx's 240 s.
    proxy = Nginx(upstream=f"127.0.0.1:{server.port}", identity=identity, shutdown_timeout="2s")
    try:
        proxy.start()
        yield server, proxy
    finally:
        proxy.stop()
        server.stop()


@pytest.fixture
def forging_page(browser: Browser) -> Iterator[Page]:
    """A browser the proxy signs in as "limited", which also sends a forged identity."""
    context: BrowserContext = browser.new_context(
        viewport={"width": 1280, "height": 800},
        http_credentials={"username": "limited", "password": PASSWORD},
        extra_http_headers=FORGED,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(30_000)
    yield page
    context.close()
    assert errors == []


def test_settings_come_from_the_shipped_ingress() -> None:
    """The proxy's limits are the Ingress's: a body the app accepts passes the proxy, and
    long-lived sockets outlast nginx's 60 s default."""
    from django.conf import settings as django_settings

    derived = IngressSettings.from_ingress(shipped_ingress())
    assert derived.body_size_bytes() >= django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert int(derived.read_timeout) >= 3600 and int(derived.send_timeout) >= 3600
    assert derived.http_version == "1.1" and derived.buffering == "off"


def test_live_through_the_proxy_and_forged_identity_is_ignored(
    behind_proxy: tuple[DashboardServer, Nginx],
    forging_page: Page,
    kube: KubeHTTP,
    grants: Grants,
) -> None:
    server, proxy = behind_proxy
    page = forging_page
    page.goto(f"{proxy.url}{LIST}?namespace={grants.allowed_ns}")
    expect(page.locator("header .user")).to_have_text("limited")
    wait_live(page, timeout=30_000)
    create_widget(kube, grants.allowed_ns, "via-ingress")
    expect(page.locator("#rows tr", has_text="via-ingress")).to_be_visible()

    # The API answers as "limited" too: Databases stay hidden despite the forged groups.
    response = page.request.get(f"{proxy.url}/api/v1/resources")
    assert response.status == 200
    assert "widgets" in response.text() and "databases" not in response.text()

    # The same forged headers sent straight to the dashboard, not through the proxy.
    direct = urllib.request.Request(f"{server.url}/api/v1/resources", headers=FORGED)
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(direct, timeout=10)
    assert denied.value.code == 401
    assert json.loads(denied.value.read())["title"] == "Unauthorized"
    page.screenshot(path=str(Path(server.workdir) / "behind-ingress.png"))


def test_page_reconnects_after_the_proxy_reloads(
    behind_proxy: tuple[DashboardServer, Nginx],
    forging_page: Page,
    kube: KubeHTTP,
    grants: Grants,
) -> None:
    _, proxy = behind_proxy
    page = forging_page
    page.goto(f"{proxy.url}{LIST}?namespace={grants.allowed_ns}")
    wait_live(page, timeout=30_000)
    mark_page(page)
    # Every state the indicator shows from here on (a transient one is easy to miss).
    page.evaluate(
        """() => {
            const conn = document.querySelector('#conn');
            window.__states = [];
            new MutationObserver(() => window.__states.push(conn.getAttribute('data-state')))
                .observe(conn, {attributes: true, attributeFilter: ['data-state']});
        }"""
    )
    proxy.reload()
    page.wait_for_function(
        "() => window.__states.includes('reconnecting')"
        " && window.__states[window.__states.length - 1] === 'live'",
        timeout=30_000,
    )
    create_widget(kube, grants.allowed_ns, "after-reload")
    expect(page.locator("#rows tr", has_text="after-reload")).to_be_visible()
    expect(page.locator("header .user")).to_have_text("limited")
    assert_not_reloaded(page)
