"""Projects, label schemas, tasks, assignments, annotations and predictions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from common.models import Claimable, TimeStamped
from datasets.models import Dataset, Item


class Role(models.TextChoices):
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    MANAGER = "manager"


#: Bounds of a project's annotators per task and agreement threshold, for every form that sets them.
OVERLAP_RANGE = (1, 50)
THRESHOLD_RANGE = (-1.0, 1.0)


class Project(TimeStamped):
    name = models.CharField(max_length=200)
    dataset = models.OneToOneField(Dataset, on_delete=models.PROTECT, related_name="project")
    instructions = models.TextField(blank=True)
    schema = models.JSONField(default=dict)
    schema_version = models.PositiveIntegerField(default=1)
    overlap = models.PositiveSmallIntegerField(default=1)
    agreement_threshold = models.FloatField(default=0.6)
    # The measure a task's agreement is judged by: the names of qa.metrics.measures.MEASURES (a
    # test holds the two lists equal; annotation does not import qa).
    agreement_measure = models.CharField(
        max_length=32, default="time_sliced_alpha",
        choices=[("time_sliced_alpha", "time-sliced alpha"), ("segment_f1", "segment F1"), ("gamma", "gamma"),
                 ("score", "mean track score")],
    )
    # How a task that agrees becomes gold: by majority, only when all agree, or never (a person decides).
    merge_rule = models.CharField(
        max_length=16, default="majority",
        choices=[("majority", "majority"), ("unanimous", "unanimous"), ("review", "review")],
    )
    everyone_share = models.FloatField(default=0.0)
    honeypot_rate = models.FloatField(default=0.0)
    audit_rate = models.FloatField(default=0.0)
    prelabelers = models.JSONField(default=list, blank=True)
    # Whether an annotator may take back their own submitted work until the task is taken into review.
    allow_reopen = models.BooleanField(default=False)
    # Privacy and audit settings: the consent scope every exported item needs (null: none), the item
    # metadata keys the audit breaks down by, and the imbalance thresholds it warns against.
    require_consent = models.CharField(max_length=100, null=True, blank=True)
    audit_facets = models.JSONField(default=list, blank=True)
    audit_thresholds = models.JSONField(default=dict, blank=True)
    # Counters kept on write so the project page never counts the task table.
    task_count = models.PositiveIntegerField(default=0)
    completed_count = models.PositiveIntegerField(default=0)
    annotation_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="membership_unique")]


class TaskStatus(models.TextChoices):
    OPEN = "open"  # needs more submitted annotations
    COMPLETE = "complete"  # k annotations submitted, agreement pending
    REVIEW = "review"  # in the adjudication queue
    GOLD = "gold"  # has a gold annotation


TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.COMPLETE}),
    TaskStatus.COMPLETE: frozenset({TaskStatus.REVIEW, TaskStatus.GOLD, TaskStatus.OPEN}),
    TaskStatus.REVIEW: frozenset({TaskStatus.GOLD, TaskStatus.OPEN}),  # open: a reviewer sent it back to its annotators
    TaskStatus.GOLD: frozenset({TaskStatus.REVIEW}),
}


class Task(TimeStamped):
    # Every index on this table is kept up to date by each import (a 100,000-task import spends
    # more time there than in its own code): the lookups by project, item, status and agreement
    # are all served by the composite indexes below, so these columns have no index of their own.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    target_count = models.PositiveSmallIntegerField(default=1)
    submitted_count = models.PositiveSmallIntegerField(default=0)
    active_count = models.PositiveSmallIntegerField(default=0)
    is_honeypot = models.BooleanField(default=False)
    for_everyone = models.BooleanField(default=False)
    agreement = models.FloatField(null=True, blank=True)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        # Item first: an item's tasks (its deletion, the task list's external_id filter) are found
        # through it, and a project's tasks through the indexes that start with the project.
        constraints = [models.UniqueConstraint(fields=["item", "project"], name="task_unique_item")]
        indexes = [
            # The queue, a project's tasks, and the task list by status, each in id order. (Not with
            # the agreement as well: the planner would then walk a whole status in id order to fill
            # an agreement-range page, rather than join the range's ids below.)
            models.Index(fields=["project", "status", "id"], name="task_queue_idx"),
            # The task ids of a status and agreement range, from the index alone: the task list
            # filtered by them (and an annotator, whose task ids come from ``assignment_annotator_task_idx``)
            # counts and picks its page by joining the two sets of ids, never reading a task row.
            models.Index(fields=["project", "status", "agreement", "id"], name="task_status_agreement_idx"),
        ]


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active"
    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    EXPIRED = "expired"


ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssignmentStatus.ACTIVE: frozenset(
        {AssignmentStatus.SUBMITTED, AssignmentStatus.SKIPPED, AssignmentStatus.EXPIRED}),
    AssignmentStatus.EXPIRED: frozenset({AssignmentStatus.ACTIVE, AssignmentStatus.SUBMITTED}),
    AssignmentStatus.SKIPPED: frozenset(),
    AssignmentStatus.SUBMITTED: frozenset({AssignmentStatus.ACTIVE}),  # the task was sent back from review
}


class Assignment(TimeStamped):
    """An annotator holding a task, with a lease that expires.

    One row per (task, annotator), ever: an annotator never gets the same task twice.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE)
    lease_expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "annotator"], name="assignment_once")]
        indexes = [
            models.Index(fields=["annotator", "status"], name="assignment_mine_idx"),
            # The queue's "not given to me before" and the task list's annotator filter read
            # task ids from the index alone.
            models.Index(fields=["annotator", "task"], name="assignment_annotator_task_idx"),
            # Lease expiry looks at the few active rows only, never the submitted millions.
            models.Index(fields=["lease_expires_at"], condition=models.Q(status=AssignmentStatus.ACTIVE),
                         name="assignment_active_lease_idx"),
        ]


class AnnotationKind(models.TextChoices):
    HUMAN = "human"
    GOLD = "gold"


class AnnotationStatus(models.TextChoices):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Annotation(TimeStamped):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="annotations"
    )
    kind = models.CharField(max_length=8, choices=AnnotationKind.choices, default=AnnotationKind.HUMAN)
    status = models.CharField(max_length=16, choices=AnnotationStatus.choices, default=AnnotationStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    result = models.JSONField(default=dict)
    automatic = models.BooleanField(default=False)  # gold made by the merge rule, not a reviewer
    submitted_at = models.DateTimeField(null=True, blank=True)
    lead_time_ms = models.BigIntegerField(default=0)
    # A reviewer's word when the task was sent back (the draft reopened); kept as history after resubmission.
    review_note = models.TextField(blank=True, default="")
    # Set when the retention job deleted the item's media: the labels stay, the media they describe is gone.
    media_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "annotator"], condition=models.Q(kind=AnnotationKind.HUMAN),
                name="annotation_one_per_annotator",
            ),
            models.UniqueConstraint(fields=["task"], condition=models.Q(kind=AnnotationKind.GOLD),
                                    name="annotation_one_gold"),
        ]


class AnnotationRevision(models.Model):
    """An immutable record of an annotation at each save: a full result, or a delta against the one before.

    Read a revision's result through ``annotation.selectors_revisions``, never ``result`` directly:
    ``result`` is set on full rows only (``annotation/revisions.py`` has the delta's shape).
    """

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    result = models.JSONField(null=True, blank=True)
    delta = models.JSONField(null=True, blank=True)
    # On a delta row: the version of the full row its chain starts from, and the JSON bytes of the
    # chain's deltas up to this one (a new full copy is written when they outgrow the result).
    base_version = models.PositiveIntegerField(null=True, blank=True)
    chain_bytes = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation_id", "version"]
        constraints = [models.UniqueConstraint(fields=["annotation", "version"], name="revision_unique_version")]


class Prediction(TimeStamped):
    """A model's suggestion for a task; one row per (task, model): a new version replaces it."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predictions")
    model = models.CharField(max_length=64)
    model_version = models.CharField(max_length=64)
    score = models.FloatField(null=True, blank=True)
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["task", "model"], name="prediction_one_per_model")]


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # a run over many items where some failed: they are listed in ``result``
    FAILED = "failed"


# queued → queued re-sends a job whose message was lost; running → running is a new worker
# claiming a row whose worker died; running → queued hands a job back (a retry after a transient
# error, the reaper). Succeeded and partial are final; failed can be retried.
JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED}),
    JobStatus.RUNNING: frozenset(
        {JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.SUCCEEDED, JobStatus.PARTIAL, JobStatus.FAILED}),
    JobStatus.FAILED: frozenset({JobStatus.QUEUED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.PARTIAL: frozenset(),
}


class Job(TimeStamped, Claimable):
    """A long request (pre-label run, export): 202 with this row, progress read from it."""

    class Kind(models.TextChoices):
        PRELABEL = "prelabel"
        EXPORT = "export"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    file_key = models.CharField(max_length=500, blank=True)
    release_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "release_name"], condition=~models.Q(release_name=""), name="release_name_unique"
            ),
        ]
