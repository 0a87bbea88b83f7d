from __future__ import annotations

from django.conf import settings
from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Claimable(models.Model):
    """A row a background worker claims before working on it (see ``common/jobs.py``).

    ``attempt`` counts claims; ``heartbeat_at`` is refreshed while the worker holds the row, so a
    claim whose heartbeat stopped belongs to a worker that died and the reaper may hand it out again.
    """

    attempt = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who changed, adjudicated or exported what: append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    project_id = models.BigIntegerField(null=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"


class PendingDispatch(models.Model):
    """A background job that could not be handed to the broker (it was down); sent again later.

    Rows are written only after the change that asked for the job is committed, so a broker
    outage never fails the request or loses the job: the next successful dispatch, a worker
    starting, or ``manage.py dispatch_pending`` sends them.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["task_name"], name="pending_dispatch_task_idx")]
