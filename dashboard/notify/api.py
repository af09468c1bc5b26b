"""``/api/v1/notifications``: rules (and errors), a rule tester, notifications and the inbox.

Why a tester: a rule that never fires looks exactly like a quiet cluster. POSTing a sample
change shows which rules would fire and the exact webhook body, without storing or sending
anything. Notifications are filtered to objects the caller may ``get``; rules are
configuration and visible to every authenticated caller (secret values never appear).

Mount with ``api.add_router("/v1/", dashboard.notify.api.router)``.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import BaseModel, ConfigDict, Field

from dashboard.core.auth.identity import viewer_for_request
from dashboard.core.web.apierror import bad_param, error_responses, not_found
from dashboard.notify import inbox, present
from dashboard.notify.dryrun import SampleError, evaluate
from dashboard.notify.schemas import (
    NotificationInfo,
    NotificationList,
    Retried,
    RulesInfo,
    SampleIn,
    TestResult,
    Unread,
)
from dashboard.notify.service import service

router = Router(tags=["notifications"])
BASE = "/notifications"


class ListQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    limit: int | None = Field(None, ge=1, description="Page size: default 50, at most 200")
    continue_: str | None = Field(
        None, alias="continue", max_length=1024, description="Token from the previous page"
    )
    status: Literal["pending", "sent", "failed"] | None = Field(
        None, description="Only notifications with a delivery in this status"
    )


@router.get(
    BASE + "/rules",
    response={200: RulesInfo, **error_responses()},
    operation_id="listNotificationRules",
    summary="Active rules and destinations, with the errors of the rules file",
)
def rules(request: HttpRequest) -> dict[str, Any]:
    status = service.status()
    status["worker"] = present.worker_status(viewer_for_request(request), status["worker"])
    return status


@router.post(
    BASE + "/rules/test",
    response={200: TestResult, **error_responses(400, 403, 413)},
    operation_id="testNotificationRules",
    summary="Which rules a sample change would fire (nothing is stored or sent)",
)
def test_rules(request: HttpRequest, sample: SampleIn) -> dict[str, Any]:
    source = service.source()
    try:
        matches = evaluate(source.current, sample, public_url=service.options.public_url)
    except SampleError as exc:
        raise bad_param(exc.param, exc.message) from exc
    return {
        "matches": matches,
        "checked": len(source.current.rules),
        "fileError": source.file_error,
    }


@router.get(
    BASE,
    response={200: NotificationList, **error_responses(400)},
    by_alias=True,
    operation_id="listNotifications",
    summary="Recent notifications about objects the caller may see, newest first",
)
def list_notifications(request: HttpRequest, params: Query[ListQuery]) -> dict[str, Any]:
    try:
        page = present.recent(
            viewer_for_request(request),
            limit=params.limit or 50,
            token=params.continue_,
            status=params.status,
            public_url=service.options.public_url,
        )
    except present.BadContinue as exc:
        raise bad_param("continue", str(exc)) from exc
    return {"items": page.items, "continue": page.continue_token}


@router.get(
    BASE + "/unread",
    response={200: Unread, **error_responses()},
    operation_id="getUnreadNotifications",
    summary="How many in-app notifications the caller has not read",
)
def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread": inbox.unread_count(viewer_for_request(request))}


@router.post(
    BASE + "/read",
    response={200: Unread, **error_responses(403)},
    operation_id="markNotificationsRead",
    summary="Mark every in-app notification read for the caller",
)
def mark_read(request: HttpRequest) -> dict[str, int]:
    viewer = viewer_for_request(request)
    inbox.mark_read(viewer)
    return {"unread": inbox.unread_count(viewer)}


@router.get(
    BASE + "/{nid}",
    response={200: NotificationInfo, **error_responses()},
    operation_id="getNotification",
    summary="One notification with its objects and delivery status",
)
def get_notification(request: HttpRequest, nid: str) -> dict[str, Any]:
    found = present.find(viewer_for_request(request), nid, public_url=service.options.public_url)
    if found is None:
        raise not_found(f"no notification {nid!r}")
    return found


@router.post(
    BASE + "/{nid}/retry",
    response={200: Retried, **error_responses(403)},
    operation_id="retryNotification",
    summary="Send a notification's failed deliveries again",
)
def retry(request: HttpRequest, nid: str) -> dict[str, int]:
    requeued = present.retry(viewer_for_request(request), nid, now=time.time())
    if requeued is None:
        raise not_found(f"no notification {nid!r}")
    return {"requeued": requeued}
