"""Export jobs: validate a request, create and queue the job row, retry a failed one.

The job row is the export: its ``params`` (normalised, so equal requests compare equal) say
what to write, its status follows ``JOB_TRANSITIONS``, and the worker fills progress, result and
``file_key``. The Celery task is queued only after the row is committed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

from django.db import IntegrityError, transaction

from annotation.models import Job, JobStatus, Project, TaskStatus
from annotation.serializers_jobs import export_job_payload
from annotation.services.exports_redact import validate_redact
from annotation.services.jobs import job_set_status
from common.audit import audit
from common.dispatch import enqueue_on_commit
from common.errors import Conflict, InvalidInput
from datasets.exports import FORMATS

INCLUDE_MODES = ("gold", "submitted", "all")
MEDIA_MODES = ("references", "include")
PROVENANCE_KINDS = ("captured", "synthetic")
FILTER_KEYS = ("status", "labels", "created_after", "created_before", "agreement_gte", "provenance")
REQUEST_KEYS = ("format", "include", "filters", "media", "release", "remake_of", "ground_truth", "redact")
MAX_ANNOTATOR_NAME = 150
MAX_RELEASE_NAME = 200
_RELEASE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ExportFilters(TypedDict, total=False):
    """Checked export filters (``validate_filters``); a filter not given is absent."""

    status: list[str]  # task statuses, sorted
    labels: list[str]  # schema label values, sorted
    created_after: str  # ISO 8601, as the caller wrote it
    created_before: str
    agreement_gte: float
    provenance: str  # one of PROVENANCE_KINDS


class ExportParams(TypedDict):
    """An export job's ``params``: normalised, so that equal requests compare equal."""

    format: str
    include: str  # one of INCLUDE_MODES
    media: str  # one of MEDIA_MODES
    filters: ExportFilters
    release: NotRequired[str]
    ground_truth: NotRequired[str]  # COCO: whose boxes are the ground truth for items without gold
    redact: NotRequired[dict[str, str]]
    remake_of: NotRequired[int]  # a remake: the job id of the release it remakes


def _date(value: Any, field: str) -> str:
    """An ISO 8601 date or datetime, kept as the caller wrote it once it parses."""
    if not isinstance(value, str):
        raise InvalidInput(f"'{field}' must be an ISO 8601 date such as 2026-01-31.", field=field)
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"'{field}' is not an ISO 8601 date: {value!r}.", field=field) from None
    return value


def _string_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(f"'{field}' must be a list of non-empty strings.", field=field)
    return sorted(set(value))


def validate_filters(raw: Any, schema: Mapping[str, Any]) -> ExportFilters:
    """Check and normalise export filters; the first bad one raises InvalidInput naming it."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("'filters' must be an object.", field="filters")
    unknown = sorted(set(raw) - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput(f"Unknown filter '{unknown[0]}'; use {', '.join(FILTER_KEYS)}.", field=f"filters.{unknown[0]}")
    out: ExportFilters = {}
    if raw.get("status") is not None:
        statuses = _string_list(raw["status"], "filters.status")
        bad = [s for s in statuses if s not in TaskStatus.values]
        if bad:
            raise InvalidInput(f"Unknown task status '{bad[0]}'; use {', '.join(TaskStatus.values)}.",
                               field="filters.status")
        out["status"] = statuses
    if raw.get("labels") is not None:
        labels = _string_list(raw["labels"], "filters.labels")
        known = {lab["value"] for t in schema.get("tracks", []) for lab in t.get("labels", [])}
        bad = [v for v in labels if v not in known]
        if bad:
            raise InvalidInput(f"Label '{bad[0]}' is not in the project's schema.", field="filters.labels")
        out["labels"] = labels
    if raw.get("created_after") is not None:
        out["created_after"] = _date(raw["created_after"], "filters.created_after")
    if raw.get("created_before") is not None:
        out["created_before"] = _date(raw["created_before"], "filters.created_before")
    if out.get("created_after") and out.get("created_before"):
        after = dt.datetime.fromisoformat(out["created_after"])
        before = dt.datetime.fromisoformat(out["created_before"])
        try:
            ordered = after < before
        except TypeError:  # one aware, one naive: compare as UTC
            ordered = after.replace(tzinfo=after.tzinfo or dt.UTC) < before.replace(tzinfo=before.tzinfo or dt.UTC)
        if not ordered:
            raise InvalidInput("'filters.created_before' must be later than 'filters.created_after'.",
                               field="filters.created_before")
    if raw.get("agreement_gte") is not None:
        value = raw["agreement_gte"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1.0 <= float(value) <= 1.0:
            raise InvalidInput("'filters.agreement_gte' must be a number from -1 to 1.", field="filters.agreement_gte")
        out["agreement_gte"] = float(value)
    if raw.get("provenance") is not None:
        if raw["provenance"] not in PROVENANCE_KINDS:
            raise InvalidInput("'filters.provenance' must be 'captured' or 'synthetic'.", field="filters.provenance")
        out["provenance"] = raw["provenance"]
    return out


def validate_request(project: Project, data: Any) -> ExportParams:
    """Normalised job params from a request body (defaults filled in, lists sorted)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("Send a JSON object.")
    unknown = sorted(set(data) - set(REQUEST_KEYS))
    if unknown:
        raise InvalidInput(f"Unknown field '{unknown[0]}'.", field=unknown[0])
    fmt = data.get("format")
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown format {fmt!r}; use one of {', '.join(sorted(FORMATS))}.", field="format")
    include = data.get("include", "gold")
    if include not in INCLUDE_MODES:
        raise InvalidInput(f"'include' must be one of {', '.join(INCLUDE_MODES)}.", field="include")
    media = data.get("media", "references")
    if media not in MEDIA_MODES:
        raise InvalidInput(f"'media' must be one of {', '.join(MEDIA_MODES)}.", field="media")
    params: ExportParams = {"format": fmt, "include": include, "media": media,
                            "filters": validate_filters(data.get("filters"), project.schema)}
    release = data.get("release")
    if release not in (None, ""):
        if not isinstance(release, str) or len(release) > MAX_RELEASE_NAME or not _RELEASE_NAME.match(release):
            raise InvalidInput("'release' must be a name of letters, digits, '.', '_' and '-' "
                               f"(at most {MAX_RELEASE_NAME}).", field="release")
        params["release"] = release
    ground_truth = data.get("ground_truth")
    if ground_truth not in (None, ""):
        # COCO: whose boxes are the ground truth for items without gold (see datasets.exports.coco)
        if not isinstance(ground_truth, str) or len(ground_truth) > MAX_ANNOTATOR_NAME:
            raise InvalidInput(f"'ground_truth' must be an annotator's user name (at most {MAX_ANNOTATOR_NAME} "
                               "characters).", field="ground_truth")
        params["ground_truth"] = ground_truth
    redact = validate_redact(project, data.get("redact"))
    if redact is not None:
        params["redact"] = redact
    return params


def _remake_params(project: Project, data: Mapping[str, Any]) -> ExportParams:
    """Params of a remake: those of the original release, pointing back at it."""
    source_id = data.get("remake_of")
    if isinstance(source_id, bool) or not isinstance(source_id, int):
        raise InvalidInput("'remake_of' must be the id of an export job.", field="remake_of")
    if set(data) - {"remake_of"}:
        raise InvalidInput("A remake takes its parameters from the original; send only 'remake_of'.",
                           field="remake_of")
    source = Job.objects.filter(pk=source_id, project=project, kind=Job.Kind.EXPORT).first()
    if source is None:
        raise InvalidInput(f"No export job {source_id} in this project.", field="remake_of")
    if source.status != JobStatus.SUCCEEDED or not source.release_name:
        raise InvalidInput(f"Export {source_id} is not a finished release.", field="remake_of")
    # the original's params were checked when it was made
    params = cast(ExportParams, {k: v for k, v in source.params.items() if k != "release"})
    params["remake_of"] = source.pk
    return params


def export_create(*, project: Project, user: Any, data: Any) -> Job:
    """Validate, create the job row and queue it after commit.

    A job with the same params still queued or running answers 409 with that job; a release
    name already used in the project answers 409 too.
    """

    if isinstance(data, Mapping) and "remake_of" in data:
        params = _remake_params(project, data)
    else:
        params = validate_request(project, data)
    release = params.get("release", "")
    with transaction.atomic():
        # Serialise creations per project so two identical requests cannot both pass the check.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        running = (Job.objects.filter(project=project, kind=Job.Kind.EXPORT, params=params,
                                      status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).order_by("id").first())
        if running is not None:
            raise Conflict("The same export is already queued or running.", job=export_job_payload(running))
        if release and Job.objects.filter(project=project, release_name=release).exists():
            raise Conflict(f"Release '{release}' already exists in this project.", field="release")
        try:
            with transaction.atomic():
                job = Job.objects.create(project=project, kind=Job.Kind.EXPORT, params=params,
                                         release_name=release, created_by=user)
        except IntegrityError:
            raise Conflict(f"Release '{release}' already exists in this project.", field="release") from None
        audit(user, "export.create", job, project_id=project.pk, **params)
        job_id = job.pk
        enqueue_on_commit("annotation.tasks.exports.run_export", job_id)
    return job


def export_retry(*, job: Job, user: Any) -> Job:
    """Send a failed export back to the queue, or send a queued one again (its message may be lost).

    A duplicate message is harmless: the worker's claim takes the row once. Running, succeeded:
    409 from the state machine.
    """

    with transaction.atomic():
        again = job_set_status(job.pk, JobStatus.QUEUED, only_from=(JobStatus.FAILED, JobStatus.QUEUED),
                               progress=0, error="", result={}, file_key="")
        audit(user, "export.retry", again, project_id=again.project_id)
        enqueue_on_commit("annotation.tasks.exports.run_export", again.pk)
    return again


def output_is_zip(params: Mapping[str, Any]) -> bool:
    """Whether the export file is a zip: zipped formats, any format with media included, redacted exports."""
    return FORMATS[params["format"]].zipped or params.get("media") == "include" or bool(params.get("redact"))


def export_file_name(project: Project, job: Job) -> str:
    """A download name safe in any file system and header: ASCII letters, digits, '-', '_', '.'."""
    fmt = FORMATS[job.params["format"]]
    ext = "zip" if output_is_zip(job.params) else fmt.extension
    base = job.release_name or f"{project.name}-export-{job.pk}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", base)
    slug = re.sub(r"-{2,}", "-", slug).strip("-._")[:120] or f"export-{job.pk}"
    return f"{slug}-{fmt.name}.{ext}" if job.release_name else f"{slug}.{ext}"


def export_mime_type(params: Mapping[str, Any]) -> str:
    """The MIME type of the export file, from the format registry (a zip when media is wrapped in)."""
    return "application/zip" if output_is_zip(params) else FORMATS[params["format"]].mime_type


def export_key(job: Job, name: str) -> str:
    """Storage key of an export file: one folder per job, so a job's file never collides."""
    return f"exports/{job.project_id}/{job.pk}/{name}"
