"""crscope's Django project: settings, ASGI routing, the UI, the API and history storage."""
