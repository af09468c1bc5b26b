"""A URL map with only the notify API and pages, until the lead mounts them in the real one."""

from __future__ import annotations

from django.urls import include, path
from ninja import NinjaAPI

from dashboard.api import problems
from dashboard.notify.api import router

api = NinjaAPI(urls_namespace="notify-test", title="notify test")
problems.install(api)
api.add_router("/v1/", router)

handler500 = "dashboard.core.web.dbunavailable.server_error"

urlpatterns = [
    path("api/", api.urls),
    path("", include("dashboard.notify.urls")),
]
