"""The ``/notifications/`` page, the bell fragment and its unread count.

Why plain server-rendered pages: the page is a status board (rules, errors, recent
notifications with their delivery state) inside the UI's frame; htmx refreshes the recent
list in place, and the frame's WebSocket pushes the bell (see ``inbox.on_notification``).
Opening the page, or its live refresh of the recent list, marks the viewer's inbox read.
"""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from dashboard.core.auth.identity import viewer_for_request
from dashboard.core.web.htmx import htmx
from dashboard.core.web.liveurl import live_url
from dashboard.notify import inbox, present
from dashboard.notify.bell import bell_for
from dashboard.notify.service import service

PAGE = "/notifications/"


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    read_until = inbox.read_mark(viewer)
    recent = present.recent(viewer, limit=50, public_url=service.options.public_url)
    context = {
        "status": service.status(),
        "recent": recent.items,
        "read_until": read_until,
        "failed": present.failed_deliveries(viewer),
        "counts": present.delivery_counts(viewer),
        "viewer": viewer,
        "live_url": live_url("frame"),  # the rail's counts and the bell stay live here too
    }
    if request.GET.get("fragment") == "recent":
        # The open page now shows these, so they are read: the bell must not count them.
        # Its fresh count rides along as an out-of-band swap.
        response = render(request, "notify/_recent.html", context)
        inbox.mark_read(viewer)
        response.content += bell_for(viewer, oob=True).encode()
        return response
    response = render(request, "notify/page.html", context)
    inbox.mark_read(viewer)
    return response


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    return HttpResponse(bell_for(viewer_for_request(request)))


@require_GET
def unread(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"unread": inbox.unread_count(viewer_for_request(request))})


@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    inbox.mark_read(viewer)
    if htmx(request):
        return HttpResponse(bell_for(viewer))
    return HttpResponseRedirect(PAGE)


@require_POST
def retry(request: HttpRequest, nid: str) -> HttpResponse:
    present.retry(viewer_for_request(request), nid, now=time.time())
    return HttpResponseRedirect(PAGE)
