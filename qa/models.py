"""Agreement reports, the adjudication queue and its audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from annotation.models import Annotation, Task
from common.models import TimeStamped


class TaskAgreement(models.Model):
    """The last agreement report of a task (recomputed when its annotations change)."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="agreement_report")
    score = models.FloatField(null=True)
    report = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)


class ReviewState(models.TextChoices):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


REVIEW_TRANSITIONS = {
    "queued": frozenset({"claimed"}),
    "claimed": frozenset({"claimed", "queued", "resolved"}),
    "resolved": frozenset(),
}


class ReviewItem(TimeStamped):
    """A task in the adjudication queue, with the reasons it is there."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="review_items")
    project_id_cache = models.BigIntegerField(db_index=True)
    reasons = models.JSONField(default=list)
    conflicts = models.JSONField(default=list)
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.QUEUED, db_index=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    gold = models.ForeignKey(Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=~models.Q(state="resolved"), name="review_one_open_per_task"
            )
        ]
