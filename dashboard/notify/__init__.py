"""Notifications: rules that watch object transitions and deliver messages through an outbox.

The public surface the rest of the dashboard uses:

- ``dashboard.notify.service.service``: attach to the engine and start/stop the threads.
- ``dashboard.notify.inbox.unread_count(viewer)`` and ``on_notification(callback)``: the
  bell's count and the hook a WebSocket consumer uses to push bell updates.
- ``dashboard.notify.api.router``: the REST endpoints (a django-ninja Router).
- ``dashboard.notify.urls``: the ``/notifications`` page and the bell fragment.
"""
