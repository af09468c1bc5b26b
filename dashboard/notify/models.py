"""The outbox: notifications, the occurrences they summarise, and one delivery per destination.

Why these keys:
- ``Occurrence.oid`` is derived from (rule, object uid, resourceVersion or event count,
  trigger), so two replicas recording the same transition collide on the unique key and
  the transition is counted once.
- A ``Notification`` collects occurrences for one rule (and one object, unless the rule
  groups) during its debounce window. At most one window per key is open at a time (a
  partial unique constraint), so replicas attach to the same window instead of opening
  their own. Its ``nid`` is the stable id receivers use to drop duplicates.
- A ``Delivery`` row exists before anything is sent (the outbox), is claimed with a
  conditional UPDATE and a lease (``claimed_by``/``claimed_until``; unclaimed means an
  empty owner and no lease) so one replica sends it, and records every failure reason.
  A crashed sender's claim simply expires.
Times are epoch seconds (floats), like the history tables.
"""

from __future__ import annotations

from django.db import models

OPEN = "open"
SEALED = "sealed"
PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class Notification(models.Model):
    nid = models.CharField(max_length=40, unique=True)
    rule = models.CharField(max_length=128, db_index=True)
    trigger = models.CharField(max_length=16)
    description = models.CharField(max_length=300, blank=True, default="")
    group_key = models.CharField(max_length=300)
    grouped = models.BooleanField(default=False)
    status = models.CharField(max_length=8, default=OPEN)  # open: still collecting
    opened_at = models.FloatField()
    due_at = models.FloatField()
    last_at = models.FloatField()
    count = models.IntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group_key"],
                condition=models.Q(status=OPEN),
                name="notify_one_open_window",
            )
        ]
        indexes = [
            models.Index(fields=["opened_at"], name="notify_opened"),
            models.Index(fields=["-last_at", "-id"], name="notify_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.nid} {self.rule} x{self.count}"


class Occurrence(models.Model):
    oid = models.CharField(max_length=40, unique=True)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="occurrences"
    )
    kind = models.CharField(max_length=300)  # group/plural
    api_version = models.CharField(max_length=300, blank=True, default="")
    kind_name = models.CharField(max_length=128, blank=True, default="")
    namespace = models.CharField(max_length=253, blank=True, default="")
    name = models.CharField(max_length=253)
    uid = models.CharField(max_length=64, blank=True, default="")
    observed = models.FloatField()
    old_state = models.CharField(max_length=16, blank=True, default="")
    old_reason = models.CharField(max_length=256, blank=True, default="")
    new_state = models.CharField(max_length=16, blank=True, default="")
    new_reason = models.CharField(max_length=256, blank=True, default="")
    message = models.TextField(blank=True, default="")
    changed_paths = models.JSONField(default=list)
    detail = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["kind", "namespace"], name="notify_occ_scope")]

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name} ({self.oid})"


class Delivery(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    destination = models.CharField(max_length=128)
    status = models.CharField(max_length=8, default=PENDING)
    attempts = models.IntegerField(default=0)
    next_attempt_at = models.FloatField()
    claimed_by = models.CharField(max_length=128, blank=True, default="")
    claimed_until = models.FloatField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_attempt_at = models.FloatField(null=True, blank=True)
    sent_at = models.FloatField(null=True, blank=True)
    created = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "destination"], name="notify_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_due"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.notification_id} -> {self.destination}: {self.status}"


class InboxItem(models.Model):
    """An in-app notification, one row per (kind, namespace) it mentions, for access checks."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="inbox_items"
    )
    kind = models.CharField(max_length=300)
    namespace = models.CharField(max_length=253, blank=True, default="")
    created = models.FloatField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "kind", "namespace"], name="notify_inbox_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.kind} {self.namespace}"


class ReadMark(models.Model):
    """Everything in the inbox up to ``read_at`` is read, for one user."""

    username = models.CharField(max_length=253, unique=True)
    read_at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.username} read up to {self.read_at}"
