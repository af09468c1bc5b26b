"""ASGI entry point: HTTP through Django, WebSockets through Channels consumers.

The engine starts here, once per server process (not in manage.py commands), unless
``CRSCOPE_ENGINE=off``.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from dashboard.core.web.onehop import OneHopHandler  # noqa: E402

django_asgi_app = OneHopHandler(settings.CRSCOPE_HTTP_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from dashboard.core.auth.origins import WebSocketOriginValidator  # noqa: E402
from dashboard.core.runtime.shutdown import OpenSockets, install_sigterm_drain  # noqa: E402
from dashboard.core.web import sendbuffer  # noqa: E402
from dashboard.core.web.limits import RequestLimits, install_twisted_limits  # noqa: E402
from dashboard.ui.routing import websocket_urlpatterns  # noqa: E402
from dashboard.wiring import start_engine  # noqa: E402

# Sessions only (not AuthMiddlewareStack): django.contrib.auth is not installed, and the
# viewer is resolved from the session's token or headers by dashboard.core.auth.identity.
# The origin check compares scheme, host and port (channels' AllowedHostsOriginValidator
# ignores scheme and port, which let a page on another port of this host in).
# HTTP views find a probe of the connection's unsent bytes in their scope (watch streams).
# OpenSockets keeps the open sockets, to send them 1012 (reconnect) on SIGTERM.
application = ProtocolTypeRouter(
    {
        "http": RequestLimits(sendbuffer.middleware(django_asgi_app)),
        "websocket": OpenSockets(
            WebSocketOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

install_twisted_limits()
install_sigterm_drain()
start_engine()
