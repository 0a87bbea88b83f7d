"""Export REST API: create (202 + job), list, status, download (streamed), retry. Managers only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from django.core.files.storage import default_storage
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Job, JobStatus, Role
from annotation.policy import job_for, project_for
from annotation.serializers_jobs import ExportJobSerializer
from annotation.services.exports import (
    INCLUDE_MODES,
    MEDIA_MODES,
    PROVENANCE_KINDS,
    export_create,
    export_retry,
)
from common.audit import audit
from common.errors import Conflict
from common.pagination import Pagination
from datasets.exports import FORMATS

DOWNLOAD_CHUNK = 1024 * 1024


class ExportFiltersSerializer(serializers.Serializer):
    status = serializers.ListField(child=serializers.ChoiceField(["open", "complete", "review", "gold"]), required=False)
    labels = serializers.ListField(child=serializers.CharField(), required=False)
    created_after = serializers.CharField(required=False, help_text="ISO 8601 date or datetime (inclusive)")
    created_before = serializers.CharField(required=False, help_text="ISO 8601 date or datetime (exclusive)")
    agreement_gte = serializers.FloatField(required=False)
    provenance = serializers.ChoiceField(list(PROVENANCE_KINDS), required=False)


class ExportRequestSerializer(serializers.Serializer):
    """Documentation of the request body; validation happens in the service (400 naming the field)."""

    format = serializers.ChoiceField(sorted(FORMATS))
    include = serializers.ChoiceField(list(INCLUDE_MODES), default="gold")
    filters = ExportFiltersSerializer(required=False)
    media = serializers.ChoiceField(list(MEDIA_MODES), default="references")
    release = serializers.CharField(required=False, help_text="Release name, unique in the project")
    remake_of = serializers.IntegerField(required=False, help_text="Re-make this release job (send alone)")


_CONFLICT = inline_serializer("ExportConflict", {"detail": serializers.CharField(), "job": ExportJobSerializer()})


class ProjectExportsView(APIView):
    pagination_class = Pagination

    @extend_schema(summary="List the project's export jobs (newest first)",
                   responses=ExportJobSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        jobs = Job.objects.filter(project=project, kind=Job.Kind.EXPORT).select_related("created_by").order_by("-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(ExportJobSerializer(page or [], many=True, context={"full": False}).data)

    @extend_schema(summary="Start an export (202 with the job; 409 when the same one is running)",
                   request=ExportRequestSerializer,
                   responses={202: ExportJobSerializer, 400: OpenApiResponse(description="bad field, named"),
                              409: _CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        job = export_create(project=project, user=request.user, data=request.data)
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailView(APIView):
    @extend_schema(summary="An export job: status, progress (0-100), error, result",
                   responses=ExportJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ExportJobSerializer(job_for(request.user, pk, Job.Kind.EXPORT)).data)


def _chunks(fh: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := fh.read(DOWNLOAD_CHUNK):
            yield chunk
    finally:
        fh.close()


class ExportDownloadView(APIView):
    @extend_schema(summary="Download a finished export (streamed; 409 until it has succeeded)",
                   responses={(200, "application/octet-stream"): OpenApiResponse(description="the export file"),
                              409: OpenApiResponse(description="not finished")})
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        job = job_for(request.user, pk, Job.Kind.EXPORT)
        if job.status != JobStatus.SUCCEEDED or not job.file_key:
            raise Conflict(f"Export {job.pk} is {job.status}; download it once it has succeeded.",
                           status=job.status)
        fh = default_storage.open(job.file_key, "rb")
        response = StreamingHttpResponse(_chunks(fh), content_type=job.result.get("mime_type", "application/octet-stream"))
        if job.result.get("bytes") is not None:
            response["Content-Length"] = str(job.result["bytes"])
        response["Content-Disposition"] = content_disposition_header(True, job.result.get("file_name") or f"export-{job.pk}")
        response["X-Content-SHA256"] = job.result.get("sha256", "")
        audit(request.user, "export.download", job, project_id=job.project_id)
        return response


class ExportRetryView(APIView):
    @extend_schema(summary="Re-queue a failed export, or send a queued one again (409 otherwise)",
                   request=None, responses={202: ExportJobSerializer,
                                            409: OpenApiResponse(description="running or finished")})
    def post(self, request: Request, pk: int) -> Response:
        job = export_retry(job=job_for(request.user, pk, Job.Kind.EXPORT), user=request.user)
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
