"""Pre-label REST API: start a run (202 + job), list a project's runs, read one run. Managers only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Job, Role
from annotation.policy import job_for, project_for
from annotation.serializers_jobs import PrelabelJobSerializer
from annotation.services.prelabel import prelabel_start
from common.pagination import Pagination


class PrelabelRequestSerializer(serializers.Serializer):
    """Documentation of the request body; validation happens in the service (400 naming the field)."""

    prelabelers = serializers.ListField(child=serializers.CharField(), required=False,
                                        help_text="Names of mapped pre-labelers (default: every mapped one)")
    tasks = serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="Task ids of this project (default: all)")


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
        return paginator.get_paginated_response(PrelabelJobSerializer(page or [], many=True).data)

    @extend_schema(summary="Start a pre-label run (202 with the job; 409 while one runs)",
                   request=PrelabelRequestSerializer,
                   responses={202: PrelabelJobSerializer,
                              400: OpenApiResponse(description="bad request or mapping, named"),
                              409: _CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        job = prelabel_start(project=project, user=request.user, data=request.data)
        return Response(PrelabelJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class PrelabelJobDetailView(APIView):
    @extend_schema(summary="A pre-label run: status, progress (0-100), error, result counts",
                   responses=PrelabelJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(PrelabelJobSerializer(job_for(request.user, pk, Job.Kind.PRELABEL)).data)
