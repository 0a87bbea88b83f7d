"""The dataset audit of a project (now) and of a release (as it was written), for managers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotation.models import Job, Role
from annotation.policy import job_for, project_for
from annotation.selectors_audit import project_audit
from annotation.services.datacards import datacard_text
from common.errors import Conflict
from common.schema import DetailSerializer
from qa.api.serializers_audit import AuditSerializer

_AUDIT_DOC = ("items, media_ms, labels per track (segments, duration, share), annotators, modalities (stream role "
              "and kind), coverage, facets, provenance, consent, licences, retention, redaction, duplicates, "
              "warnings (the project's imbalance thresholds) and gaps")


class ProjectAuditView(APIView):
    @extend_schema(responses={200: AuditSerializer}, summary="Audit of the project: distributions, coverage, consent, duplicates",
                   description=_AUDIT_DOC)
    def get(self, request: Request, pk: int) -> Response:
        project = project_for(request.user, pk, Role.MANAGER)
        return Response(project_audit(project))


class MarkdownRenderer(BaseRenderer):
    """Lets ``?format=md`` through content negotiation; the view answers the card's bytes itself."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return str(data).encode()


class ExportAuditView(APIView):
    renderer_classes = [JSONRenderer, MarkdownRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON ``{"detail": ...}`` even when the caller asked for the card."""
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        responses={(200, "application/json"): AuditSerializer, (200, "text/markdown"): OpenApiTypes.STR,
                   409: DetailSerializer},
        description=_AUDIT_DOC,
        summary="Audit of a release, computed from the records it was written from; ?format=md: its data card",
        parameters=[OpenApiParameter("format", str, enum=["json", "md"], required=False)])
    def get(self, request: Request, pk: int) -> Response | HttpResponse:
        job = job_for(request.user, pk, Job.Kind.EXPORT)
        audit = (job.result or {}).get("audit")
        if audit is None:
            raise Conflict("This export has no audit: only a finished release carries one (and its data card).")
        if request.query_params.get("format") == "md":
            card = datacard_text(job)
            if card is None:
                raise Conflict("This release's data card is missing from storage.")
            return HttpResponse(card, content_type="text/markdown; charset=utf-8")
        return Response(audit)
