"""UI routes. Kinds are addressed as ``/k/<group>/<plural>/``; cluster-scoped objects use
``-`` in the namespace position (no namespace may be named ``-``)."""

from __future__ import annotations

from django.urls import path

from dashboard.ui.pages.detail import views as detail
from dashboard.ui.pages.diff import views as diff
from dashboard.ui.pages.events import views as events
from dashboard.ui.pages.healthrules import views as healthrules
from dashboard.ui.pages.home import views as home
from dashboard.ui.pages.listing import views as listing
from dashboard.ui.pages.restore import views as restore
from dashboard.ui.pages.search import views as search

urlpatterns = [
    path("", home.home, name="ui-home"),
    path("search/", search.search, name="ui-search"),
    path("events/", events.events_page, name="ui-events"),
    path("events/warned/", events.warned, name="ui-events-warned"),
    path("health-rules/", healthrules.health_rules, name="ui-health-rules"),
    path("k/<str:group>/<str:plural>/", listing.kind_list, name="ui-list"),
    path("k/<str:group>/<str:plural>/<str:namespace>/<str:name>/", detail.detail, name="ui-detail"),
    path(
        "k/<str:group>/<str:plural>/<str:namespace>/<str:name>/timeline/",
        detail.older_timeline,
        name="ui-timeline",
    ),
    path(
        "k/<str:group>/<str:plural>/<str:namespace>/<str:name>/yaml/",
        detail.yaml_text,
        name="ui-yaml",
    ),
    path(
        "k/<str:group>/<str:plural>/<str:namespace>/<str:name>/diff/",
        diff.diff_page,
        name="ui-diff",
    ),
    path(
        "k/<str:group>/<str:plural>/<str:namespace>/<str:name>/restore/",
        restore.restore_page,
        name="ui-restore",
    ),
]
