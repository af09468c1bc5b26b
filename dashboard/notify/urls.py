"""Notification pages; include with ``path("", include("dashboard.notify.urls"))``."""

from __future__ import annotations

from django.urls import path

from dashboard.notify import views

urlpatterns = [
    path("notifications/", views.page, name="notify-page"),
    path("notifications/bell/", views.bell, name="notify-bell"),
    path("notifications/unread.json", views.unread, name="notify-unread"),
    path("notifications/read/", views.mark_read, name="notify-read"),
    path("notifications/<str:nid>/retry/", views.retry, name="notify-retry"),
]
