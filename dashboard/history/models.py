"""Revision and Event rows.

Why these keys: a revision is identified by (uid, resourceVersion, type) across restarts and
replicas, so inserts can be idempotent (``ignore_conflicts``) and several writers never
duplicate a row. The type is in the key because a tombstone inferred by a relist carries
the last seen resourceVersion. An Event is one row per Event uid, updated as its count
grows.

``managed_summary`` keeps the revision's managedFields summary (who last wrote when, and a
checksum of what each manager owns; ``informers.encode_summary``): after a restart, a
change made while nothing watched is credited by comparing the cluster's managedFields
with it. It is null on rows written before it was kept.

A watch period says when a server recorded a kind's changes. Revisions alone cannot tell
"nothing changed" from "nobody was watching"; a kind's list as of a past time
(``dashboard.history.asof``) is only true inside a period.
"""

from __future__ import annotations

from django.db import models


class Revision(models.Model):
    kind = models.CharField(max_length=300, db_index=True)  # group/plural
    uid = models.CharField(max_length=64)
    namespace = models.CharField(max_length=253, blank=True, default="")
    name = models.CharField(max_length=253)
    resource_version = models.CharField(max_length=64)
    rv_int = models.BigIntegerField(default=0)
    type = models.CharField(max_length=16)
    observed = models.FloatField()
    generation = models.BigIntegerField(null=True)
    managers = models.JSONField(default=list)
    changed_paths = models.JSONField(default=list)
    managed_summary = models.JSONField(null=True, default=None)
    state = models.CharField(max_length=16, default="")
    tombstone = models.BooleanField(default=False)
    body = models.TextField()  # the object as stored (managedFields stripped), JSON

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["uid", "resource_version", "type"], name="revision_uid_rv_type"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "namespace", "name", "-rv_int"], name="revision_object"),
            models.Index(fields=["observed"], name="revision_observed"),
            models.Index(fields=["kind", "observed"], name="revision_kind_observed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}@{self.resource_version} {self.type}"


class EventRow(models.Model):
    uid = models.CharField(max_length=64, unique=True)
    involved_uid = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=300)
    namespace = models.CharField(max_length=253, blank=True, default="")
    name = models.CharField(max_length=253)
    type = models.CharField(max_length=32)
    reason = models.CharField(max_length=256)
    message = models.TextField()
    count = models.IntegerField(default=1)
    first_seen = models.FloatField()
    last_seen = models.FloatField(db_index=True)
    source = models.CharField(max_length=256, blank=True, default="")
    resource_version = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["kind", "namespace", "name"], name="event_object")]

    def __str__(self) -> str:
        return f"{self.type} {self.reason} on {self.kind} {self.namespace}/{self.name}"


class WatchPeriod(models.Model):
    """From ``started`` to ``until``, one server recorded every change of ``kind``.

    ``until`` is a heartbeat: a server that dies leaves it at most one beat stale, which
    understates what was recorded, never overstates it.
    """

    kind = models.CharField(max_length=300, db_index=True)
    started = models.FloatField()
    until = models.FloatField()
    #: ended on purpose (a stop, a kind that stopped syncing): never extended to now
    closed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.kind} watched {self.started:.0f}-{self.until:.0f}"
