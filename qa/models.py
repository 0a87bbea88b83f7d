"""Agreement reports, the adjudication queue and its audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from annotation.models import Annotation, Task
from common.models import TimeStamped


class TaskAgreement(models.Model):
    """The last agreement report of a task (recomputed when its annotations change)."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="agreement_report")
    # The value of the project's chosen measure (what the threshold is compared with).
    score = models.FloatField(null=True)
    measure = models.CharField(max_length=32, blank=True)
    report = models.JSONField(default=dict)
    # Small copies of parts of the report, so lists and CSVs never parse the whole report.
    track_scores = models.JSONField(default=dict, blank=True)
    pairs = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(auto_now=True)


class ReviewState(models.TextChoices):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned"  # sent back to the annotators; queued again when they resubmit


REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewState.QUEUED: frozenset({ReviewState.CLAIMED}),
    ReviewState.CLAIMED: frozenset(
        {ReviewState.CLAIMED, ReviewState.QUEUED, ReviewState.RESOLVED, ReviewState.RETURNED}),
    ReviewState.RESOLVED: frozenset(),
    ReviewState.RETURNED: frozenset({ReviewState.QUEUED}),
}


class ReviewItem(TimeStamped):
    """A task in the adjudication queue, with the reasons it is there."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="review_items")
    project_id_cache = models.BigIntegerField(db_index=True)
    reasons = models.JSONField(default=list)
    # ",low_agreement,conflict,": the reason kinds, so the queue filters by kind on any database.
    reason_kinds = models.CharField(max_length=200, blank=True, default="")
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
                fields=["task"], condition=~models.Q(state=ReviewState.RESOLVED), name="review_one_open_per_task"
            )
        ]
