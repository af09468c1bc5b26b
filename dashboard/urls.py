"""URL map: health endpoints, the REST API under /api/, and the UI."""

from __future__ import annotations

from django.urls import include, path

from dashboard.core import authn
from dashboard.core import metrics as core_metrics
from dashboard.core import views as core_views

#: A busy or unreachable database answers 503 with Retry-After; other errors stay 500s.
handler500 = "dashboard.core.dbunavailable.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_metrics.metrics_view, name="metrics"),
    path("signin", authn.signin, name="signin"),
    path("signout", authn.signout, name="signout"),
    path("api/", include("dashboard.api.urls")),
    path("", include("dashboard.notify.urls")),
    path("", include("dashboard.ui.urls")),
]
