"""Export and pre-label jobs as the API answers them.

Each serializer is both what drf-spectacular documents and what the views (and the 409 answers of
the services, which carry the running job) send, so the published schema cannot drift from the
answer. They live outside ``annotation.api`` because the services build those 409 answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from annotation.models import Job, JobStatus
from common.dispatch import is_pending

EXPORT_TASK = "annotation.tasks.exports.run_export"
PRELABEL_TASK = "annotation.tasks.prelabel.run_prelabel"


class _IsoDateTimeField(serializers.DateTimeField):
    """A timestamp written by ``datetime.isoformat`` (``+00:00``, as export jobs have always had it)."""

    def to_representation(self, value: datetime) -> str:  # type: ignore[override]
        return value.isoformat()


class _JobSerializer(serializers.Serializer):
    """What every job answer shares."""

    id = serializers.IntegerField(read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(JobStatus.choices, read_only=True)
    progress = serializers.IntegerField(min_value=0, max_value=100, read_only=True)
    error = serializers.CharField(read_only=True)


class ExportJobSerializer(_JobSerializer):
    """An export job. In lists (context ``{"full": False}``) the result leaves out a release's manifest."""

    params = serializers.JSONField(read_only=True)
    result = serializers.SerializerMethodField(help_text="items, regions, bytes, sha256, file_name, mime_type; "
                                                         "releases add manifest and release_hash")
    release_name = serializers.SerializerMethodField()
    delayed = serializers.SerializerMethodField(
        help_text="queued while the job broker was unreachable; sent when it is back")
    download_url = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, read_only=True)
    created_at = _IsoDateTimeField(read_only=True)
    updated_at = _IsoDateTimeField(read_only=True)

    def get_result(self, job: Job) -> dict[str, Any]:
        result = dict(job.result or {})
        if not self.context.get("full", True):
            result.pop("manifest", None)
        return result

    def get_release_name(self, job: Job) -> str | None:
        return job.release_name or None

    def get_delayed(self, job: Job) -> bool:
        return job.status == JobStatus.QUEUED and is_pending(EXPORT_TASK, job.pk)

    def get_download_url(self, job: Job) -> str | None:
        return f"/api/exports/{job.pk}/download" if job.status == JobStatus.SUCCEEDED else None


class PrelabelParamsSerializer(serializers.Serializer):
    """What a pre-label run runs with: a snapshot taken when it started."""

    prelabelers = serializers.ListField(child=serializers.CharField(), default=list, read_only=True)
    tasks = serializers.ListField(child=serializers.IntegerField(), allow_null=True, default=None, read_only=True,
                                  help_text="task ids; null: every task of the project")
    mapping = serializers.ListField(child=serializers.DictField(), default=list, read_only=True,
                                    help_text="the project's mapping entries for these pre-labelers")


class PrelabelJobSerializer(_JobSerializer):
    """A pre-label run."""

    status = serializers.ChoiceField(JobStatus.choices, read_only=True, help_text=(
        "succeeded: every item got its predictions; partial: some items failed (listed in result.failures); "
        "failed: none did, or the run itself failed"))
    error = serializers.CharField(read_only=True,
                                  help_text="why the run failed, or how many items failed and the first of them")
    params = PrelabelParamsSerializer(read_only=True)
    result = serializers.JSONField(read_only=True, help_text=(
        "device, items_ok, items_failed, failures [{task, prelabeler, error}] (the first 200; items_failed "
        "counts them all), predictions_written, predictions_superseded, predictions_unchanged, by_prelabeler"))
    delayed = serializers.SerializerMethodField(
        help_text="queued while the job broker was unreachable; sent when it is back")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_delayed(self, job: Job) -> bool:
        return job.status == JobStatus.QUEUED and is_pending(PRELABEL_TASK, job.pk)


def export_job_payload(job: Job, *, full: bool = True) -> dict[str, Any]:
    """An export job as the API answers it."""
    return ExportJobSerializer(job, context={"full": full}).data  # type: ignore[return-value]


def prelabel_job_payload(job: Job) -> dict[str, Any]:
    """A pre-label job as the API answers it."""
    return PrelabelJobSerializer(job).data  # type: ignore[return-value]
