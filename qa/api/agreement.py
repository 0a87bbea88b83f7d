"""Agreement reports: one task's, and the project's aggregate (JSON or per-task CSV)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Role
from annotation.policy import project_for, task_for
from qa.api.serializers import TaskAgreementSerializer
from qa.selectors import agreement_csv, project_agreement
from qa.services.agreement import agreement_get


class CSVRenderer(BaseRenderer):
    """Lets ``?format=csv`` through content negotiation; the view streams the bytes itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return str(data).encode()


class TaskAgreementView(APIView):
    @extend_schema(responses=TaskAgreementSerializer, summary="A task's agreement report (computed if missing)")
    def get(self, request: Request, pk: int) -> Response:
        task = task_for(request.user, pk, Role.REVIEWER)
        return Response(TaskAgreementSerializer(agreement_get(task)).data)


class ProjectAgreementView(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON ``{"detail": ...}`` even when the caller asked for CSV."""
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], description="csv: per-task scores")],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
        summary="Project agreement: distributions, per-label measures, annotator matrices",
    )
    def get(self, request: Request, pk: int) -> Response | StreamingHttpResponse:
        project = project_for(request.user, pk, Role.REVIEWER)
        if request.query_params.get("format") == "csv":
            response = StreamingHttpResponse(agreement_csv(project), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="project-{project.pk}-agreement.csv"'
            return response
        return Response(project_agreement(project))
