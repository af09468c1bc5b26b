"""Wire types of ``/api/v1/notifications``: camelCase JSON names, as in the rest of the API.

Why typed: ninja publishes them in the OpenAPI schema and validates every response, so a
renamed field is a visible contract change.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class RuleInfo(BaseModel):
    name: str
    description: str
    trigger: str
    when: str = Field(description="The trigger in words")
    kinds: list[str]
    namespaces: list[str]
    labels: str
    namePattern: str
    destinations: list[str]
    debounceSeconds: float
    group: bool


class DestinationInfo(BaseModel):
    name: str
    type: Literal["webhook", "slack", "in-app"]
    target: str = Field(description="Where it sends, without secrets")
    signed: bool
    secret: str | None
    headers: list[str]
    headersFrom: str | None
    rateLimit: str | None


class RuleErrorInfo(BaseModel):
    subject: Literal["rule", "destination"]
    name: str
    field: str
    message: str
    text: str


class WorkerInfo(BaseModel):
    recorded: int | None = Field(description="Occurrences recorded (null unless auth mode none)")
    duplicates: int | None
    errors: int | None
    lastError: str | None
    pending: int = Field(description="Pending deliveries of notifications the caller may see")
    failed: int = Field(description="Failed deliveries of notifications the caller may see")


class RulesInfo(BaseModel):
    path: str | None = Field(description="The rules file (CRSCOPE_NOTIFY_RULES)")
    loadedAt: float | None = Field(description="When the active rules were loaded (epoch s)")
    checkedAt: float | None
    version: int
    fileError: str | None = Field(description="Why the file was rejected; previous rules stay")
    running: bool
    rules: list[RuleInfo]
    destinations: list[DestinationInfo]
    errors: list[RuleErrorInfo]
    worker: WorkerInfo


class SampleEvent(BaseModel):
    type: str = "Warning"
    reason: str = ""
    message: str = ""
    count: int = 1


class SampleIn(BaseModel):
    """A change to test the rules with; nothing is sent or stored."""

    kind: str = Field(
        pattern=r"^[^/]+/[^/]+$",
        max_length=300,
        description="group/plural, e.g. example.com/widgets",
    )
    type: Literal["ADDED", "MODIFIED", "DELETED"] = "MODIFIED"
    old: dict[str, Any] | None = Field(default=None, description="The object before")
    new: dict[str, Any] | None = Field(default=None, description="The object after")
    stuck: bool = Field(default=False, description="Test stuck rules against new (or old)")
    event: SampleEvent | None = Field(default=None, description="Test event rules")


class RuleMatch(BaseModel):
    rule: str
    trigger: str
    when: str
    destinations: list[str]
    debounceSeconds: float
    group: bool
    text: str
    payload: dict[str, Any] = Field(description="The webhook body that would be sent")


class TestResult(BaseModel):
    matches: list[RuleMatch]
    checked: int = Field(description="How many active rules were evaluated")
    fileError: str | None


class ObjectInfo(BaseModel):
    group: str
    version: str
    kind: str
    plural: str
    namespace: str | None
    name: str
    uid: str
    oldState: str | None
    newState: str | None
    reason: str
    message: str
    why: str = Field(
        description="The health rule behind the new state, its expression and the values it "
        'read, e.g. `argo-cd/Application: health == "Degraded" (health="Degraded")`; '
        "empty when no rule decided"
    )
    occurrences: int
    changedPaths: list[str]
    path: str
    link: str


class DeliveryInfo(BaseModel):
    destination: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    lastError: str | None
    lastAttemptAt: float | None
    nextAttemptAt: float | None
    sentAt: float | None


class NotificationInfo(BaseModel):
    id: str = Field(description="Stable id, also sent as X-Crscope-Notification-Id")
    rule: str
    trigger: str
    when: str
    open: bool = Field(description="Still collecting occurrences (debounce window)")
    openedAt: float
    dueAt: float
    lastAt: float
    count: int = Field(description="Occurrences folded into this notification")
    grouped: bool
    summary: str
    objects: list[ObjectInfo]
    deliveries: list[DeliveryInfo]


class NotificationList(BaseModel):
    items: list[NotificationInfo]
    continue_: str | None = Field(alias="continue", serialization_alias="continue")


class Unread(BaseModel):
    unread: int


class Retried(BaseModel):
    requeued: int
