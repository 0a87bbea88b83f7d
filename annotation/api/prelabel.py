"""Pre-label REST API: start a run (202 + job), list a project's runs, read one run. Managers only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Job, JobStatus, Role
from annotation.policy import job_for, project_for
from annotation.services.prelabel import prelabel_job_payload, prelabel_start
from common.pagination import Pagination


class PrelabelRequestSerializer(serializers.Serializer):
    """Documentation of the request body; validation happens in the service (400 naming the field)."""

    prelabelers = serializers.ListField(child=serializers.CharField(), required=False,
                                        help_text="Names of mapped pre-labelers (default: every mapped one)")
    tasks = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="Task ids of this project (default: all)")


class PrelabelJobSerializer(serializers.Serializer):
    """Documentation of a pre-label job as the API answers it."""

    id = serializers.IntegerField()
    project = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(JobStatus.choices, help_text="succeeded: every item got its predictions; "
                                     "partial: some items failed (listed in result.failures); failed: none did, "
                                     "or the run itself failed")
    progress = serializers.IntegerField(min_value=0, max_value=100)
    error = serializers.CharField(help_text="why the run failed, or how many items failed and the first of them")
    params = serializers.JSONField(help_text="prelabelers, tasks (null: all) and the mapping snapshot it runs with")
    result = serializers.JSONField(help_text="device, items_ok, items_failed, failures [{task, prelabeler, error}] "
                                              "(the first 200; items_failed counts them all), predictions_written, "
                                              "predictions_superseded, predictions_unchanged, by_prelabeler")
    delayed = serializers.BooleanField(help_text="queued while the job broker was unreachable; sent when it is back")
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


_CONFLICT = inline_serializer("PrelabelConflict", {"detail": serializers.CharField(), "job": PrelabelJobSerializer()})


class ProjectPrelabelView(APIView):
    pagination_class = Pagination

    @extend_schema(summary="List the project's pre-label runs (newest first)",
                   responses=PrelabelJobSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        jobs = (Job.objects.filter(project=project, kind=Job.Kind.PRELABEL)
                .select_related("created_by").order_by("-id"))
        paginator = Pagination()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response([prelabel_job_payload(j) for j in page or []])

    @extend_schema(summary="Start a pre-label run (202 with the job; 409 while one runs)",
                   request=PrelabelRequestSerializer,
                   responses={202: PrelabelJobSerializer,
                              400: OpenApiResponse(description="bad request or mapping, named"),
                              409: _CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        job = prelabel_start(project=project, user=request.user, data=request.data)
        return Response(prelabel_job_payload(job), status=status.HTTP_202_ACCEPTED)


class PrelabelJobDetailView(APIView):
    @extend_schema(summary="A pre-label run: status, progress (0-100), error, result counts",
                   responses=PrelabelJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(prelabel_job_payload(job_for(request.user, pk, Job.Kind.PRELABEL)))
