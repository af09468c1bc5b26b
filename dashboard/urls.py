"""URL map: health endpoints, the REST API under /api/, and the UI."""

from __future__ import annotations

from django.urls import include, path

from dashboard.api import urls as api_urls
from dashboard.core.auth import authn
from dashboard.core.web import metrics as core_metrics
from dashboard.core.web import probes as core_views
from dashboard.notify import api as notify_api

# The notifications API joins /api/v1/ through the API's hook, so the API never imports it.
api_urls.mount(notify_api.router)

#: A busy or unreachable database answers 503 with Retry-After; other errors stay 500s.
handler404 = "dashboard.core.web.notfound.not_found"
handler500 = "dashboard.core.web.dbunavailable.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_metrics.metrics_view, name="metrics"),
    path("signin", authn.signin, name="signin"),
    path("signout", authn.signout, name="signout"),
    path("api/", include(api_urls.patterns())),
    path("", include("dashboard.notify.urls")),
    path("", include("dashboard.ui.urls")),
]
