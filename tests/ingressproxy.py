"""Debian's nginx as an ingress-like proxy in front of the dashboard, from the shipped Ingress.

Why nginx configured from the Ingress: users reach crscope through ingress-nginx, and what
breaks there (the WebSocket upgrade, idle streams cut at 60 s, buffered NDJSON, bodies the
app accepts but the proxy refuses, identity headers a client can forge) only shows with a
real proxy in the path. The proxy's settings are read from the Ingress's annotations with
ingress-nginx's defaults for the absent ones, so changing the manifest changes the test.

In proxy auth mode the proxy is also the authentication proxy: it signs the user in (HTTP
basic auth here; oauth2-proxy through ``auth-url`` in a cluster) and *sets* the identity
headers, replacing whatever the client sent. It connects to the dashboard from its own
loopback address (``PROXY_ADDRESS``), the only one the dashboard trusts, so a client
that talks to the dashboard directly from 127.0.0.1 is not trusted either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.deploy.helm import template
from tests.services import _wait_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
ANNOTATION = "nginx.ingress.kubernetes.io/"
#: ingress-nginx's defaults for the annotations an Ingress leaves out.
INGRESS_NGINX_DEFAULTS = {
    "proxy-read-timeout": "60",
    "proxy-send-timeout": "60",
    "proxy-connect-timeout": "5",
    "proxy-http-version": "1.1",
    "proxy-buffering": "off",
    "proxy-body-size": "1m",
}
#: Another loopback address (Linux routes all of 127/8 to lo): the proxy's source address.
PROXY_ADDRESS = "127.0.0.2"


def shipped_ingress() -> dict[str, Any]:
    """The Ingress users install: the one the Helm chart renders with its defaults."""
    (ingress,) = [o for o in template() if o["kind"] == "Ingress"]
    return ingress


@dataclass(frozen=True)
class IngressSettings:
    read_timeout: str
    send_timeout: str
    connect_timeout: str
    http_version: str
    buffering: str
    body_size: str

    @classmethod
    def from_ingress(cls, ingress: dict[str, Any]) -> IngressSettings:
        notes = (ingress.get("metadata") or {}).get("annotations") or {}

        def value(name: str) -> str:
            return str(notes.get(ANNOTATION + name, INGRESS_NGINX_DEFAULTS[name]))

        return cls(
            read_timeout=value("proxy-read-timeout"),
            send_timeout=value("proxy-send-timeout"),
            connect_timeout=value("proxy-connect-timeout"),
            http_version=value("proxy-http-version"),
            buffering=value("proxy-buffering"),
            body_size=value("proxy-body-size"),
        )

    def body_size_bytes(self) -> int:
        units = {"k": 1024, "m": 1024**2, "g": 1024**3}
        text = self.body_size.strip().lower()
        if text and text[-1] in units:
            return int(text[:-1]) * units[text[-1]]
        return int(text)


def _seconds(value: str) -> str:
    return value if value[-1:].isalpha() else f"{value}s"


@dataclass
class Identity:
    """Proxy auth: who the proxy signs in, and the headers it sets for the dashboard."""

    users: dict[str, str]  # name -> password
    user_header: str
    groups_header: str


def render_config(
    *,
    settings: IngressSettings,
    listen: int,
    upstream: str,
    workdir: Path,
    identity: Identity | None,
    shutdown_timeout: str,
) -> str:
    """An nginx.conf that proxies as ingress-nginx would with these settings."""
    auth = ""
    if identity is not None:
        # proxy_set_header replaces the client's header; an empty value drops it. Groups
        # are not asserted by this test proxy, so a client's groups never pass. The
        # client's Basic credentials are the proxy's business: forwarded, the dashboard
        # would refuse them (it takes only Bearer tokens) and see the password.
        auth = f"""
            auth_basic "crscope";
            auth_basic_user_file {workdir / "htpasswd"};
            proxy_set_header Authorization "";
            proxy_set_header {identity.user_header} $remote_user;
            proxy_set_header {identity.groups_header} "";"""
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
daemon off;
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} info;
# ingress-nginx's worker-shutdown-timeout (240s there): after a reload, old workers close
# the WebSockets they still hold after this long, and the clients reconnect.
worker_shutdown_timeout {shutdown_timeout};
events {{ worker_connections 256; }}
http {{
    access_log {workdir / "access.log"};
    client_body_temp_path {workdir / "body"};
    proxy_temp_path {workdir / "proxy"};
    fastcgi_temp_path {workdir / "fastcgi"};
    uwsgi_temp_path {workdir / "uwsgi"};
    scgi_temp_path {workdir / "scgi"};
    # As ingress-nginx: headers with underscores are dropped (X-Forwarded_User is
    # dropped again by daphne and Django, which read "_" and "-" alike).
    underscores_in_headers off;
    ignore_invalid_headers on;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size {settings.body_size};
        location / {{
            proxy_pass http://{upstream};
            proxy_bind {PROXY_ADDRESS};
            proxy_http_version {settings.http_version};
            proxy_buffering {settings.buffering};
            proxy_connect_timeout {_seconds(settings.connect_timeout)};
            proxy_read_timeout {_seconds(settings.read_timeout)};
            proxy_send_timeout {_seconds(settings.send_timeout)};
            proxy_set_header Host $http_host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;{auth}
        }}
    }}
}}
"""


@dataclass
class Nginx:
    upstream: str  # host:port of the dashboard
    settings: IngressSettings = field(
        default_factory=lambda: IngressSettings.from_ingress(shipped_ingress())
    )
    identity: Identity | None = None
    shutdown_timeout: str = "240s"
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="crscope-nginx-")))
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def conf(self) -> Path:
        return self.workdir / "nginx.conf"

    def _cli(self, *args: str) -> list[str]:
        return [NGINX, "-p", str(self.workdir), "-c", str(self.conf), "-e", "stderr", *args]

    def start(self) -> Nginx:
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is not installed (make system-deps)")
        from devkit.controlplane.cluster import free_port

        self.port = self.port or free_port()
        if self.identity is not None:
            (self.workdir / "htpasswd").write_text(
                "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.identity.users.items())
            )
        self.conf.write_text(
            render_config(
                settings=self.settings,
                listen=self.port,
                upstream=self.upstream,
                workdir=self.workdir,
                identity=self.identity,
                shutdown_timeout=self.shutdown_timeout,
            )
        )
        subprocess.run(self._cli("-t", "-q"), check=True, capture_output=True)
        self._proc = subprocess.Popen(
            self._cli(),
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "stderr.log", "wb"),  # noqa: SIM115 - nginx keeps it
        )
        _wait_port(self.port)
        return self

    def reload(self) -> None:
        """``nginx -s reload``: new workers take new connections; old ones drain."""
        subprocess.run(self._cli("-s", "reload"), check=True, capture_output=True, timeout=30)

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(15)
            self._proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)
